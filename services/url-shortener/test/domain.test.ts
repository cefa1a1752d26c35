// Pure domain logic: base62, the Feistel permutation, the range allocator, the generators, URL
// and alias checks, the redirect decision, milestones and the visitor fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBase62, encodeBase62, spaceOf } from '../src/domain/base62.ts';
import {
  fnv1a,
  referrerHost,
  userAgentFamily,
  visitorIds,
  visitorNumber,
} from '../src/domain/click-fields.ts';
import {
  hashCodes,
  rangeCodes,
  SNOWFLAKE_CODE_LENGTH,
  snowflakeCodes,
} from '../src/domain/code-generators.ts';
import { decodeCursor, encodeCursor } from '../src/domain/cursor.ts';
import { feistelPermutation } from '../src/domain/feistel.ts';
import { checkAlias, checkExpiry, LinkInputError, normaliseUrl } from '../src/domain/link-input.ts';
import { milestoneRequestId, milestonesCrossed } from '../src/domain/milestones.ts';
import { blockOf, createRangeAllocator } from '../src/domain/range-allocator.ts';
import { decideRedirect } from '../src/domain/redirect.ts';
import { mulberry32, zipfSampler, zipfWeights } from '../src/domain/zipf.ts';

const KEY = 'unit-test-key-0123456789';
const BASE = 'https://sho.rt';

test('base62 round-trips and pads to the width', () => {
  for (const value of [0n, 1n, 61n, 62n, 123_456_789n, spaceOf(7) - 1n]) {
    const text = encodeBase62(value, 7);
    assert.equal(text.length, 7);
    assert.equal(decodeBase62(text), value);
  }
  assert.throws(() => encodeBase62(spaceOf(7), 7), RangeError);
});

test('the Feistel permutation is a bijection on a small domain and round-trips on 62^7', () => {
  const small = feistelPermutation(1_000n, KEY);
  const images = new Set<bigint>();
  for (let v = 0n; v < 1_000n; v += 1n) {
    const image = small.forward(v);
    assert.ok(image >= 0n && image < 1_000n);
    images.add(image);
    assert.equal(small.inverse(image), v);
  }
  assert.equal(images.size, 1_000); // every value hit once: a permutation

  const big = feistelPermutation(spaceOf(7), KEY);
  for (let v = 0n; v < 2_000n; v += 1n) assert.equal(big.inverse(big.forward(v)), v);
  // Consecutive ids do not give neighbouring codes.
  const a = big.forward(1n);
  const b = big.forward(2n);
  assert.ok((a > b ? a - b : b - a) > 1_000_000n);
  // Another key, another mapping.
  assert.notEqual(feistelPermutation(spaceOf(7), `${KEY}x`).forward(1n), a);
});

test('the range allocator leases one block at a time, even under concurrent demand', async () => {
  let leases = 0;
  const allocator = createRangeAllocator(async () => blockOf(BigInt(leases++), 4n));
  const ids = await Promise.all(Array.from({ length: 10 }, () => allocator.next()));
  assert.deepEqual(
    [...ids].sort((x, y) => Number(x - y)),
    Array.from({ length: 10 }, (_, i) => BigInt(i)),
  );
  assert.equal(leases, 3);
});

test('generators: range gives 7 distinct base62 chars, snowflake 11, hash retries differ', async () => {
  let block = 0n;
  const range = rangeCodes(
    createRangeAllocator(async () => blockOf(block++, 1024n)),
    feistelPermutation(spaceOf(7), KEY),
  );
  const codes = new Set<string>();
  for (let i = 0; i < 3_000; i += 1) codes.add(await range.next({ url: 'u', attempt: 0 }));
  assert.equal(codes.size, 3_000);
  for (const code of codes) assert.match(code, /^[0-9A-Za-z]{7}$/);

  const snowflake = snowflakeCodes(7, () => 1_800_000_000_000);
  const flakes = new Set<string>();
  for (let i = 0; i < 5_000; i += 1) flakes.add(await snowflake.next({ url: 'u', attempt: 0 }));
  assert.equal(flakes.size, 5_000); // the sequence borrows the next millisecond past 4,096
  for (const code of flakes) assert.equal(code.length, SNOWFLAKE_CODE_LENGTH);

  const hash = hashCodes(KEY);
  const first = await hash.next({ url: 'https://a.example/', attempt: 0 });
  assert.equal(await hash.next({ url: 'https://a.example/', attempt: 0 }), first);
  assert.notEqual(await hash.next({ url: 'https://a.example/', attempt: 1 }), first);
});

test('URLs: only http(s), bounded, no self-links or credentials, normalised', () => {
  assert.equal(normaliseUrl('HTTP://Example.com:80/a/./b/../c#', BASE), 'http://example.com/a/c');
  assert.equal(normaliseUrl('https://bücher.example/ä', BASE), 'https://xn--bcher-kva.example/%C3%A4');
  const code = (raw: string) => {
    try {
      normaliseUrl(raw, BASE);
      return 'ok';
    } catch (error) {
      assert.ok(error instanceof LinkInputError);
      return error.code;
    }
  };
  assert.equal(code('javascript:alert(1)'), 'URL_SCHEME_NOT_ALLOWED');
  assert.equal(code('file:///etc/passwd'), 'URL_SCHEME_NOT_ALLOWED');
  assert.equal(code('not a url'), 'URL_INVALID');
  assert.equal(code(`https://e.example/${'x'.repeat(2048)}`), 'URL_TOO_LONG');
  assert.equal(code('https://SHO.RT/abc'), 'URL_SELF_REFERENCE');
  assert.equal(code('https://u:p@e.example/'), 'URL_CREDENTIALS_NOT_ALLOWED');
});

test('aliases and expiry', () => {
  assert.equal(checkAlias('my-link_1'), 'my-link_1');
  assert.throws(() => checkAlias('Health'), /reserved/);
  assert.throws(() => checkAlias('a b c'), LinkInputError);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(checkExpiry('2026-02-01T00:00:00Z', now).toISOString(), '2026-02-01T00:00:00.000Z');
  assert.throws(() => checkExpiry('2025-01-01T00:00:00Z', now), /future/);
  assert.throws(() => checkExpiry('2099-01-01T00:00:00Z', now), /10 years/);
});

test('the redirect decision', () => {
  const link = { url: 'https://e.example/', status: 302 as const, expiresAt: null, deleted: false };
  assert.deepEqual(decideRedirect(undefined, 0), { kind: 'not_found' });
  assert.deepEqual(decideRedirect(link, 0), {
    kind: 'redirect',
    status: 302,
    location: 'https://e.example/',
  });
  assert.deepEqual(decideRedirect({ ...link, deleted: true }, 0), { kind: 'gone', reason: 'deleted' });
  assert.deepEqual(decideRedirect({ ...link, expiresAt: 10 }, 10), { kind: 'gone', reason: 'expired' });
});

test('milestones and their deterministic request ids', () => {
  assert.deepEqual(milestonesCrossed(0, 99), []);
  assert.deepEqual(milestonesCrossed(99, 100), [100]);
  assert.deepEqual(milestonesCrossed(100, 101), []);
  assert.deepEqual(milestonesCrossed(50, 10_000), [100, 1_000, 10_000]);
  const id = milestoneRequestId('abc1234', 100);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(milestoneRequestId('abc1234', 100), id);
  assert.notEqual(milestoneRequestId('abc1234', 1_000), id);
});

test('visitor fields are bounded: hashed visitor, referrer host, browser family', () => {
  const visitor = (address: string, userAgent: string) => visitorNumber(address, fnv1a(userAgent));
  assert.equal(visitor('10.0.0.1', 'ua'), visitor('10.0.0.1', 'ua'), 'the same visitor, the same number');
  assert.notEqual(visitor('10.0.0.1', 'ua'), visitor('10.0.0.2', 'ua'));
  assert.notEqual(visitor('10.0.0.1', 'ua'), visitor('10.0.0.1', 'ub'));
  // A small integer (V8 keeps it inside a Set without a heap object), spread over its 30 bits.
  const numbers = Array.from({ length: 10_000 }, (_, i) => visitor(`10.0.${i >> 8}.${i & 255}`, 'ua'));
  assert.ok(numbers.every((n) => Number.isInteger(n) && n >= 0 && n < 2 ** 30));
  assert.ok(new Set(numbers).size >= 9_990, 'collisions are rare');
  assert.equal(fnv1a(''), 0x811c9dc5);
  assert.equal(fnv1a('a'), 0xe40c292c, 'FNV-1a 32-bit reference value');
  const [id42, id43, again42] = visitorIds(KEY, [42, 43, 42]);
  assert.match(id42 ?? '', /^[0-9a-f]{16}$/);
  assert.notEqual(id42, id43);
  assert.equal(again42, id42, 'a visitor has one id, wherever it is in the window');
  assert.equal(visitorIds(KEY, [7, 42])[1], id42, 'and whatever else the window holds');
  assert.notEqual(visitorIds('another-key', [42])[0], id42, 'the key decides the id');
  // A keyed permutation: distinct visitors never share an id (here 100,000 of them).
  const many = Array.from({ length: 100_000 }, (_, i) => i * 10_007);
  assert.equal(new Set(visitorIds(KEY, many)).size, many.length);
  assert.deepEqual(visitorIds(KEY, []), []);
  assert.equal(referrerHost('https://News.Example/a?b'), 'news.example');
  assert.equal(referrerHost(null), '(direct)');
  assert.equal(referrerHost('::junk'), '(invalid)');
  assert.equal(userAgentFamily('Mozilla/5.0 (X11) Chrome/120.0 Safari/537.36'), 'chrome');
  assert.equal(userAgentFamily('Googlebot/2.1'), 'bot');
  assert.equal(userAgentFamily('curl/8.0'), 'curl');
  assert.equal(userAgentFamily('random junk'), 'other');
});

test('cursors round-trip and refuse what this service did not write', () => {
  const position = { createdAt: '2026-01-01T00:00:00.000Z', code: 'abc1234' };
  assert.deepEqual(decodeCursor(encodeCursor(position)), position);
  assert.equal(decodeCursor('garbage'), undefined);
  assert.equal(decodeCursor(Buffer.from('["x","y"]').toString('base64url')), undefined);
});

test('seeded randomness is deterministic and Zipf is heavy-tailed', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const first = Array.from({ length: 5 }, () => a());
  assert.deepEqual(
    Array.from({ length: 5 }, () => b()),
    first,
  );
  assert.notDeepEqual(Array.from({ length: 5 }, mulberry32(43)), first);
  const weights = zipfWeights(10_000, 1);
  assert.ok(Math.abs(weights.reduce((s, w) => s + w, 0) - 1) < 1e-9);
  const top1Percent = weights.slice(0, 100).reduce((s, w) => s + w, 0);
  assert.ok(top1Percent > 0.5 && top1Percent < 0.6, `top 1 % draw ${top1Percent}`);
  const draw = zipfSampler(weights, mulberry32(7));
  const counts = new Map<number, number>();
  for (let i = 0; i < 20_000; i += 1) {
    const rank = draw();
    counts.set(rank, (counts.get(rank) ?? 0) + 1);
  }
  // Rank 0 holds ~10.2 % of the weight.
  const hottest = (counts.get(0) ?? 0) / 20_000;
  assert.ok(hottest > 0.08 && hottest < 0.12, `rank 0 drawn ${hottest}`);
});
