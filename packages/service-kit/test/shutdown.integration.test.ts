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

// Each step waits for the process's own log line announcing it, not for time to pass. The drain
// and the slow request are the only windows the test must hit, and both are generous: a probe on
// a loaded 2-core machine took longer than the old 1 s drain.
describe('SIGTERM', () => {
  it('drains, finishes the in-flight request, refuses new connections and exits 0 within the bound', async () => {
    const example = await start({ SHUTDOWN_DRAIN_MS: '5000', SHUTDOWN_TIMEOUT_MS: '60000' });
    assert.equal(await probe(`${example.url}/health/ready`), 200);

    let slowDone = false;
    const slow = probe(`${example.url}/v1/slow?ms=15000`).then((status) => {
      slowDone = true;
      return status;
    });
    await example.waitForLog((line) => line.msg === 'slow request started', 'the slow request to start');
    example.child.kill('SIGTERM');

    // Draining: still accepting connections, but readiness says "send nothing new".
    await example.waitForLog((line) => line.msg === 'shutdown: not ready, draining', 'the drain to start');
    let sawNotReady = false;
    await waitUntil(
      async () => {
        const status = await probe(`${example.url}/health/ready`);
        if (status === 503) sawNotReady = true;
        return sawNotReady || status === 'ECONNREFUSED';
      },
      { timeoutMs: 60_000, message: 'readiness to turn 503' },
    );
    assert.ok(sawNotReady, '/health/ready answered 503 during the drain period');

    // After the drain the listener closes: new connections are refused while the slow
    // request is still being served on its existing connection.
    await example.waitForLog(
      (line) => line.msg === 'shutdown: closing listener, waiting for in-flight requests',
      'the listener to close',
    );
    await waitUntil(async () => (await probe(`${example.url}/health/live`)) === 'ECONNREFUSED', {
      timeoutMs: 60_000,
      message: 'new connections to be refused',
    });
    assert.equal(slowDone, false, 'the listener closed before the in-flight request finished');

    assert.equal(await slow, 200, 'the in-flight request completed');
    // Was: also asserted the exit came less than SHUTDOWN_TIMEOUT_MS of wall clock after SIGTERM.
    // The process exits 1 and logs "shutdown: timed out" when the bound passes, so exit code 0 and
    // a "complete" line (no "timed out") say the same without reading a loaded machine's clock.
    const { code } = await example.exited;
    assert.equal(code, 0);
    assert.ok(
      example.lines.some((line) => line.msg === 'shutdown: complete'),
      'logged the end of a clean shutdown',
    );
    assert.ok(!example.lines.some((line) => line.msg === 'shutdown: timed out'));
  });

  it('exits 1 when in-flight work outlasts SHUTDOWN_TIMEOUT_MS', async () => {
    const example = await start({ SHUTDOWN_DRAIN_MS: '0', SHUTDOWN_TIMEOUT_MS: '1000' });
    const stuck = probe(`${example.url}/v1/slow?ms=30000`);
    await example.waitForLog((line) => line.msg === 'slow request started', 'the slow request to start');
    example.child.kill('SIGTERM');
    const { code } = await example.exited;
    assert.equal(code, 1);
    // Was: asserted the exit came less than 10 s of wall clock after SIGTERM. Now: the deadline is
    // what ended it (its log line), and the process was gone before the 30 s request could finish.
    const timedOut = example.lines.find((line) => line.msg === 'shutdown: timed out');
    assert.equal(timedOut?.timeoutMs, 1000, 'the shutdown deadline fired');
    assert.notEqual(await stuck, 200);
  });
});
