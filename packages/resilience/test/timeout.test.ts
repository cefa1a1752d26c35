// withTimeout / createTimeout: in time, at the limit (signal aborted), caller abort, sync throw, bad limits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTimeout, TimeoutError, withTimeout } from '../src/index.ts';

describe('timeout', () => {
  it('returns the value of a call that finishes in time', async () => {
    assert.equal(await withTimeout(async () => 'fast', 1_000), 'fast');
  });

  it('aborts the signal with a TimeoutError and rejects at the limit', async () => {
    let reason: unknown;
    const error = await withTimeout(
      (signal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            reason = signal.reason;
            reject(signal.reason);
          }),
        ),
      10,
    ).catch((e: unknown) => e);
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeoutMs, 10);
    assert.equal(reason, error);
  });

  it('passes the caller abort through, with the caller reason', async () => {
    const controller = new AbortController();
    const call = withTimeout(
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      5_000,
      controller.signal,
    );
    controller.abort(new Error('caller left'));
    await assert.rejects(call, /caller left/);
    await assert.rejects(
      withTimeout(async () => 1, 5_000, controller.signal),
      /caller left/,
    );
  });

  it('passes a synchronous throw through as a rejection', async () => {
    await assert.rejects(
      withTimeout(() => {
        throw new Error('sync');
      }, 100),
      /sync/,
    );
  });

  it('validates the limit', () => {
    assert.throws(() => createTimeout(0), RangeError);
    assert.throws(() => createTimeout(Number.POSITIVE_INFINITY), RangeError);
    assert.equal(createTimeout(5).timeoutMs, 5);
  });
});
