// The visitor address must be exactly proxy-addr's for any TRUST_PROXY and any request: the fast
// IPv4 test (src/http/visitor-address.ts) is compared with proxy-addr itself on generated requests.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import proxyaddr from 'proxy-addr';
import { mulberry32 } from '../src/domain/zipf.ts';
import { ipv4ToInt, trustedIpv4Ranges, visitorAddress } from '../src/http/visitor-address.ts';

const TRUST_LISTS = [
  'loopback, linklocal, uniquelocal',
  'loopback',
  '10.0.0.0/8, 192.168.1.7',
  '172.16.0.0/12, ::1/128, fe80::/10',
  '0.0.0.0/1, 128.0.0.0/1',
  '127.0.0.1/32, 203.0.113.0/24',
  // lists the fast test leaves to proxy-addr entirely: still compared
  '::ffff:0:0/96',
  '10.0.0.0/255.0.0.0',
  '010.0.0.0/8',
];

// Addresses near every range edge, plus forms only proxy-addr should judge.
const SPECIAL = [
  '127.0.0.1',
  '127.255.255.255',
  '128.0.0.0',
  '10.0.0.0',
  '9.255.255.255',
  '10.255.255.255',
  '11.0.0.0',
  '172.15.255.255',
  '172.16.0.0',
  '172.31.255.255',
  '172.32.0.0',
  '192.168.0.1',
  '192.169.0.0',
  '169.254.1.1',
  '203.0.113.9',
  '203.0.114.0',
  '0.0.0.0',
  '255.255.255.255',
  '::ffff:127.0.0.1',
  '::ffff:10.1.2.3',
  '::ffff:8.8.8.8',
  '::1',
  'fe80::1',
  'fc00::7',
  '2001:db8::1',
  '010.0.0.1',
  '127.1',
  'not-an-ip',
  '',
];

function randomAddress(random: () => number): string {
  const pick = random();
  if (pick < 0.3) return SPECIAL[Math.floor(random() * SPECIAL.length)] ?? '';
  const first = [10, 127, 169, 172, 192, 203, Math.floor(random() * 256)][Math.floor(random() * 7)] ?? 1;
  const rest = [0, 1, 2].map(() => Math.floor(random() * 256));
  return [first, ...rest].join('.');
}

// How proxies and clients write the list: with and without spaces, stray spaces, empty entries.
const SEPARATORS = [', ', ',', ' ,', ' , ', ',,', ', ,'];

function forwardedHeader(hops: string[], random: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const body = hops.reduce((text, hop, i) => (i === 0 ? hop : `${text}${pick(SEPARATORS)}${hop}`), '');
  return `${pick(['', ' ', ','])}${body}${pick(['', ' ', ', '])}`;
}

function request(socket: string, forwarded: string | undefined): IncomingMessage {
  return {
    socket: { remoteAddress: socket },
    connection: { remoteAddress: socket },
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
  } as unknown as IncomingMessage;
}

test('the visitor address is proxy-addr’s for generated requests and every trust list', () => {
  const random = mulberry32(7);
  for (const list of TRUST_LISTS) {
    const fast = visitorAddress(list);
    const slow = proxyaddr.compile(list.split(',').map((part) => part.trim()));
    for (let i = 0; i < 5_000; i += 1) {
      const hops = Array.from({ length: Math.floor(random() * 4) }, () => randomAddress(random));
      const req = request(randomAddress(random), hops.length > 0 ? forwardedHeader(hops, random) : undefined);
      assert.equal(fast(req), proxyaddr(req, slow), `${list}: ${JSON.stringify(req.headers)}`);
    }
  }
});

test('the fast test is built only where it can be exact', () => {
  assert.ok(trustedIpv4Ranges(['loopback', 'linklocal', 'uniquelocal']));
  assert.ok(trustedIpv4Ranges(['10.0.0.0/8', '::1/128']));
  assert.equal(trustedIpv4Ranges(['::ffff:0:0/96']), undefined, 'mapped IPv6 ranges match IPv4');
  assert.equal(trustedIpv4Ranges(['10.0.0.0/255.0.0.0']), undefined, 'netmask notation');
  assert.equal(trustedIpv4Ranges(['010.0.0.0/8']), undefined, 'octal-looking address');
  assert.equal(trustedIpv4Ranges(['10.0.0.0/33']), undefined, 'prefix out of range');
});

test('only canonical dotted quads are read as IPv4 here', () => {
  assert.equal(ipv4ToInt('10.1.2.3'), 0x0a010203);
  assert.equal(ipv4ToInt('255.255.255.255'), 0xffffffff);
  assert.equal(ipv4ToInt('0.0.0.0'), 0);
  for (const form of [
    '010.1.2.3',
    '10.1.2',
    '10.1.2.3.4',
    '256.1.1.1',
    '1.2.3.04',
    ' 1.2.3.4',
    '::1',
    '1..2.3',
    '1.2.3.',
    '.1.2.3',
    '1.2.3.4 ',
    '1000.1.1.1',
    '00.1.2.3',
  ])
    assert.equal(ipv4ToInt(form), undefined, form);
});
