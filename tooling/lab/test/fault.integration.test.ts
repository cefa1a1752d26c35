// lab:fault against the real Toxiproxy: a proxy of this test's own in front of a TCP echo server
// the test owns, so nothing another test or the running lab uses is touched.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createFaultProxy, type FaultProxy, testDependencies } from '@lab/testkit';
import { applyFault, LATENCY_TOXIC } from '../src/fault.ts';

let echo: net.Server;
let proxy: FaultProxy;
let toxiproxyUrl: string;

/** One round trip through the proxy: resolves with the echoed text, rejects if the link is down. */
async function roundTrip(text: string): Promise<{ reply: string; ms: number }> {
  const started = performance.now();
  const socket = net.connect({ host: proxy.host, port: proxy.port });
  socket.setTimeout(10_000, () => socket.destroy(new Error('no reply')));
  try {
    await once(socket, 'connect');
    socket.write(text);
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    return { reply: chunk.toString(), ms: performance.now() - started };
  } finally {
    socket.destroy();
  }
}

async function toxics(): Promise<{ name: string; attributes: { latency: number } }[]> {
  return (await (await fetch(`${toxiproxyUrl}/proxies/${proxy.name}/toxics`)).json()) as Awaited<
    ReturnType<typeof toxics>
  >;
}

describe('lab:fault on a real Toxiproxy', () => {
  before(async () => {
    echo = net.createServer((socket) => socket.pipe(socket));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    ({ toxiproxyUrl } = await testDependencies());
    proxy = await createFaultProxy('lab-fault', `127.0.0.1:${(echo.address() as net.AddressInfo).port}`);
  });

  after(async () => {
    await proxy?.remove();
    echo?.close();
  });

  it('cuts the link, and restore brings it back', async () => {
    assert.equal((await roundTrip('before')).reply, 'before');
    assert.match(await applyFault(toxiproxyUrl, proxy.name, { kind: 'cut' }), /cut/);
    await assert.rejects(roundTrip('during'), 'no connection while cut');
    await applyFault(toxiproxyUrl, proxy.name, { kind: 'restore' });
    assert.equal((await roundTrip('after')).reply, 'after');
  });

  it('adds one latency toxic, replaces it on a second call, and restore removes it', async () => {
    await applyFault(toxiproxyUrl, proxy.name, { kind: 'latency', ms: 50 });
    await applyFault(toxiproxyUrl, proxy.name, { kind: 'latency', ms: 300 });
    const added = await toxics();
    assert.deepEqual(
      added.map((toxic) => [toxic.name, toxic.attributes.latency]),
      [[LATENCY_TOXIC, 300]],
    );
    // A lower bound only: the toxic holds every reply at least this long, however busy the machine.
    const slow = await roundTrip('slow');
    assert.equal(slow.reply, 'slow');
    assert.ok(slow.ms >= 300, `the reply waited for the toxic (${slow.ms.toFixed(0)} ms)`);
    await applyFault(toxiproxyUrl, proxy.name, { kind: 'restore' });
    assert.deepEqual(await toxics(), []);
  });

  it('says the lab is not running when its proxy does not exist', async () => {
    await assert.rejects(
      applyFault(toxiproxyUrl, 'lab-no-such-proxy', { kind: 'cut' }),
      /no proxy lab-no-such-proxy: is the lab running \(npm start\)\?/,
    );
  });
});
