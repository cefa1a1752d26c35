// Graceful shutdown of a real process: SIGTERM -> not ready -> drain -> stop accepting ->
// finish in-flight -> close clients -> exit 0, bounded by SHUTDOWN_TIMEOUT_MS (else exit 1).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitUntil } from '@lab/testkit';
import { type ChildHarness, childHarness, type ExampleProcess, probe } from './fixtures/child.ts';

let harness: ChildHarness;

before(async () => {
  harness = await childHarness('sk_shutdown');
});
after(() => harness?.close());

const start = (env: Record<string, string>): Promise<ExampleProcess> => harness.start(env);

describe('SIGTERM', () => {
  it('drains, finishes the in-flight request, refuses new connections and exits 0 within the bound', async () => {
    const drainMs = 1_000;
    const timeoutMs = 8_000;
    const example = await start({
      SHUTDOWN_DRAIN_MS: String(drainMs),
      SHUTDOWN_TIMEOUT_MS: String(timeoutMs),
    });
    assert.equal(await probe(`${example.url}/health/ready`), 200);

    let slowDone = false;
    const slow = probe(`${example.url}/v1/slow?ms=3000`).then((status) => {
      slowDone = true;
      return status;
    });
    await example.waitForLog((line) => line.msg === 'slow request started', 'the slow request to start');

    const signalledAt = Date.now();
    example.child.kill('SIGTERM');

    // Draining: still accepting connections, but readiness says "send nothing new".
    let sawNotReady = false;
    await waitUntil(
      async () => {
        const status = await probe(`${example.url}/health/ready`);
        if (status === 503) sawNotReady = true;
        return sawNotReady || status === 'ECONNREFUSED';
      },
      { timeoutMs: 5_000, message: 'readiness to turn 503' },
    );
    assert.ok(sawNotReady, '/health/ready answered 503 during the drain period');

    // After the drain the listener closes: new connections are refused while the slow
    // request is still being served on its existing connection.
    await waitUntil(async () => (await probe(`${example.url}/health/live`)) === 'ECONNREFUSED', {
      timeoutMs: 5_000,
      message: 'new connections to be refused',
    });
    assert.equal(slowDone, false, 'the listener closed before the in-flight request finished');

    assert.equal(await slow, 200, 'the in-flight request completed');
    const { code, at } = await example.exited;
    assert.equal(code, 0);
    assert.ok(
      at - signalledAt < timeoutMs,
      `exited ${at - signalledAt} ms after SIGTERM (bound ${timeoutMs} ms)`,
    );
    assert.ok(
      example.lines.some((line) => line.msg === 'shutdown: complete'),
      'logged the end of a clean shutdown',
    );
  });

  it('exits 1 when in-flight work outlasts SHUTDOWN_TIMEOUT_MS', async () => {
    const timeoutMs = 1_000;
    const example = await start({ SHUTDOWN_DRAIN_MS: '0', SHUTDOWN_TIMEOUT_MS: String(timeoutMs) });
    const stuck = probe(`${example.url}/v1/slow?ms=20000`);
    await example.waitForLog((line) => line.msg === 'slow request started', 'the slow request to start');
    const signalledAt = Date.now();
    example.child.kill('SIGTERM');
    const { code, at } = await example.exited;
    assert.equal(code, 1);
    // Bounded: it gave up near the timeout instead of waiting 20 s for the request.
    assert.ok(at - signalledAt < 10_000, `exited ${at - signalledAt} ms after SIGTERM`);
    assert.notEqual(await stuck, 200);
  });
});
