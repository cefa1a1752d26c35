// The composed policy: order matters, so these tests pin down what each position buys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import {
  BulkheadRejectedError,
  CircuitOpenError,
  createBulkhead,
  createCircuitBreaker,
  createManualClock,
  createPolicy,
  createRetry,
  HttpStatusError,
} from '../src/index.ts';
import { deferred } from './helpers.ts';

const error503 = () => new HttpStatusError(503, 'GET', new URL('http://up.test/'), undefined);

function parts() {
  const registry = new Registry();
  const clock = createManualClock();
  const breaker = createCircuitBreaker({
    name: 'p',
    window: { type: 'count', size: 4 },
    minimumCalls: 4,
    openDurationMs: 1_000,
    clock,
    registry,
  });
  const retry = createRetry({
    name: 'p',
    idempotent: true,
    maxAttempts: 3,
    budget: false,
    sleep: async () => {},
    registry,
  });
  return { registry, clock, breaker, retry };
}

describe('createPolicy', () => {
  it('retries through the breaker: every attempt is counted and an open breaker ends the retries', async () => {
    const { breaker, retry } = parts();
    const policy = createPolicy({ retry, breaker });
    let attempts = 0;
    const alwaysDown = async () => {
      attempts += 1;
      throw error503();
    };
    await assert.rejects(policy.execute(alwaysDown), HttpStatusError); // 3 attempts
    await assert.rejects(policy.execute(alwaysDown), CircuitOpenError); // 4th attempt trips, 5th is refused
    assert.equal(attempts, 4);
    assert.equal(breaker.snapshot().totals.failure, 4);
    assert.equal(breaker.snapshot().totals.rejected, 1);
  });

  it('times out each attempt, and the breaker counts the timeouts', async () => {
    const { breaker, retry } = parts();
    const policy = createPolicy({ retry, breaker, attemptTimeoutMs: 10 });
    let attempts = 0;
    const value = await policy.execute(async (signal) => {
      attempts += 1;
      if (attempts < 3)
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      return 'third time lucky';
    });
    assert.equal(value, 'third time lucky');
    assert.equal(breaker.snapshot().totals.timeout, 2);
  });

  it('holds one bulkhead slot per call across its retries', async () => {
    const { breaker, retry, registry } = parts();
    const bulkhead = createBulkhead({ name: 'p', maxConcurrent: 1, maxQueue: 0, registry });
    const policy = createPolicy({ bulkhead, retry, breaker });
    const gate = deferred();
    let attempts = 0;
    const first = policy.execute(async () => {
      attempts += 1;
      if (attempts === 1) throw error503();
      await gate.promise;
      return 'done';
    });
    await assert.rejects(
      policy.execute(async () => 'other'),
      BulkheadRejectedError,
    );
    gate.resolve();
    assert.equal(await first, 'done');
    assert.equal(attempts, 2);
  });

  it('applies the fallback to what the whole chain threw, rejections included', async () => {
    const { breaker, retry } = parts();
    breaker.forceOpen();
    const policy = createPolicy({ retry, breaker });
    const seen: unknown[] = [];
    const value = await policy.execute(async () => 'live', {
      fallback: (error) => {
        seen.push(error);
        return 'cached';
      },
    });
    assert.equal(value, 'cached');
    assert.ok(seen[0] instanceof CircuitOpenError);
  });

  it('does not fall back when the caller cancelled', async () => {
    const { breaker, retry } = parts();
    const policy = createPolicy({ retry, breaker });
    const controller = new AbortController();
    const call = policy.execute(
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      {
        signal: controller.signal,
        fallback: () => 'fallback',
      },
    );
    controller.abort(new Error('caller left'));
    await assert.rejects(call, /caller left/);
  });

  it('works with no policies at all', async () => {
    assert.equal(await createPolicy({}).execute(async () => 7), 7);
    assert.throws(() => createPolicy({ attemptTimeoutMs: -1 }), RangeError);
  });
});
