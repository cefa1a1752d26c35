// Retry: full-jitter bounds, max attempts, retryable classification, idempotency, Retry-After,
// the retry budget, cancellation. Sleeps are recorded instead of waited.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import {
  CircuitOpenError,
  createManualClock,
  createRetry,
  createRetryBudget,
  fullJitterDelay,
  HttpStatusError,
  isRetryableError,
  parseRetryAfter,
  type RetryOptions,
  TimeoutError,
} from '../src/index.ts';

const url = new URL('http://upstream.test/v1/things');
const http = (status: number, retryAfterMs?: number) => new HttpStatusError(status, 'GET', url, retryAfterMs);
const refused = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
const reset = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });

function setup(options: RetryOptions = {}) {
  const delays: number[] = [];
  const registry = new Registry();
  const retry = createRetry({
    name: 'test',
    idempotent: true,
    budget: false,
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    registry,
    ...options,
  });
  return { retry, delays, registry };
}

/** An operation that throws the given errors in turn, then returns 'ok'. */
function failing(...errors: unknown[]) {
  let calls = 0;
  const operation = async () => {
    const error = errors[calls];
    calls += 1;
    if (error !== undefined) throw error;
    return 'ok';
  };
  return { operation, calls: () => calls };
}

describe('full jitter', () => {
  it('stays within [0, min(cap, base * 2^n))', () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1_000 };
    for (let retry = 0; retry < 8; retry += 1) {
      const ceiling = Math.min(1_000, 100 * 2 ** retry);
      assert.equal(
        fullJitterDelay(retry, options, () => 0),
        0,
      );
      assert.ok(fullJitterDelay(retry, options, () => 0.999_999) < ceiling);
      for (let i = 0; i < 200; i += 1) {
        const delay = fullJitterDelay(retry, options);
        assert.ok(delay >= 0 && delay < ceiling, `retry ${retry}: ${delay} outside [0, ${ceiling})`);
      }
    }
  });

  it('spreads delays over the whole interval rather than bunching them', () => {
    const samples = Array.from({ length: 2_000 }, () =>
      fullJitterDelay(3, { baseDelayMs: 100, maxDelayMs: 10_000 }),
    );
    const below = samples.filter((d) => d < 400).length; // the lower half of [0, 800)
    assert.ok(below > 800 && below < 1_200, `lower half holds ${below} of 2000`);
  });
});

describe('retry', () => {
  it('retries transient failures with growing jittered delays, then succeeds', async () => {
    const { retry, delays } = setup({ maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 });
    const op = failing(http(503), reset(), new TimeoutError(50));
    assert.equal(await retry.execute(op.operation), 'ok');
    assert.equal(op.calls(), 4);
    assert.deepEqual(delays, [50, 100, 125]); // 0.5 * min(250, 100, 200, 400)
  });

  it('gives up after maxAttempts with the last error, unchanged', async () => {
    const { retry, registry } = setup({ maxAttempts: 3 });
    const last = http(502);
    const op = failing(http(500), http(503), last, http(500));
    await assert.rejects(retry.execute(op.operation), (error) => error === last);
    assert.equal(op.calls(), 3);
    assert.match(
      await registry.metrics(),
      /retry_decisions_total\{name="test",decision="attempts_exhausted"\} 1/,
    );
  });

  it('does not retry a 4xx, an open breaker or an unknown error', async () => {
    for (const error of [http(400), http(404), new CircuitOpenError('b', 'open', 10), new Error('bug')]) {
      const { retry } = setup();
      const op = failing(error);
      await assert.rejects(retry.execute(op.operation));
      assert.equal(op.calls(), 1, String(error));
    }
  });

  it('classifies 5xx (but 501), 408, 429, timeouts and socket errors as retryable', () => {
    for (const status of [500, 502, 503, 504, 408, 429])
      assert.equal(isRetryableError(http(status)), true, String(status));
    for (const status of [400, 401, 403, 404, 409, 422, 501])
      assert.equal(isRetryableError(http(status)), false, String(status));
    assert.equal(isRetryableError(new TimeoutError(10)), true);
    assert.equal(isRetryableError(reset()), true);
    assert.equal(isRetryableError(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' })), true);
  });

  it('does not retry a non-idempotent operation unless the request was never sent', async () => {
    const { retry } = setup({ idempotent: false });
    const sent = failing(http(503));
    await assert.rejects(retry.execute(sent.operation), HttpStatusError);
    assert.equal(sent.calls(), 1);
    const neverSent = failing(refused());
    assert.equal(await retry.execute(neverSent.operation), 'ok'); // connection refused: safe to repeat
    const told = failing(http(503));
    assert.equal(await retry.execute(told.operation, { idempotent: true }), 'ok');
  });

  it('defaults to not idempotent: retrying must be asked for', async () => {
    const retry = createRetry({ budget: false, registry: new Registry(), sleep: async () => {} });
    const op = failing(http(503));
    await assert.rejects(retry.execute(op.operation), HttpStatusError);
    assert.equal(op.calls(), 1);
  });

  it('waits at least the Retry-After of a 429/503', async () => {
    const { retry, delays } = setup({ baseDelayMs: 100 });
    const op = failing(http(429, 2_000), http(503, 10));
    assert.equal(await retry.execute(op.operation), 'ok');
    assert.deepEqual(delays, [2_000, 100]); // max(Retry-After, jitter): 2000 > 50; 10 < 0.5 * 200
  });

  it('gives up when Retry-After asks for longer than maxRetryAfterMs', async () => {
    const { retry, delays } = setup({ maxRetryAfterMs: 1_000 });
    const op = failing(http(503, 60_000));
    await assert.rejects(retry.execute(op.operation), HttpStatusError);
    assert.deepEqual(delays, []);
  });

  it('stops at once when the caller aborts during a backoff', async () => {
    const controller = new AbortController();
    const retry = createRetry({
      idempotent: true,
      budget: false,
      baseDelayMs: 10_000,
      maxDelayMs: 10_000,
      random: () => 1,
      registry: new Registry(),
    });
    const op = failing(http(503), http(503));
    const call = retry.execute(op.operation, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller left')), 5);
    await assert.rejects(call, /caller left/);
    assert.equal(op.calls(), 1);
  });

  it('rejects options that make no sense', () => {
    assert.throws(() => createRetry({ maxAttempts: 0, registry: new Registry() }), RangeError);
    assert.throws(
      () => createRetry({ baseDelayMs: 500, maxDelayMs: 100, registry: new Registry() }),
      RangeError,
    );
    assert.throws(
      () => createRetry({ maxDelayMs: Number.POSITIVE_INFINITY, registry: new Registry() }),
      RangeError,
    );
    assert.throws(() => createRetry({ maxRetryAfterMs: Number.NaN, registry: new Registry() }), RangeError);
    assert.throws(() => createRetry({ maxRetryAfterMs: -1, registry: new Registry() }), RangeError);
  });
});

describe('Retry-After parsing', () => {
  it('reads delay-seconds and HTTP-dates, ignores garbage', () => {
    assert.equal(parseRetryAfter('120'), 120_000);
    assert.equal(parseRetryAfter(' 0 '), 0);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0); // in the past: go now
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter('-5'), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });
});

describe('retry budget', () => {
  it('allows ratio x calls retries (plus the floor) per window, no more', () => {
    const clock = createManualClock();
    const budget = createRetryBudget({ ratio: 0.2, minRetriesPerWindow: 0, windowSeconds: 10, clock });
    for (let i = 0; i < 100; i += 1) budget.recordCall();
    let granted = 0;
    while (budget.tryRetry()) granted += 1;
    assert.equal(granted, 20);
    // Ten more calls earn two more retries.
    for (let i = 0; i < 10; i += 1) budget.recordCall();
    assert.equal(budget.tryRetry(), true);
    assert.equal(budget.tryRetry(), true);
    assert.equal(budget.tryRetry(), false);
  });

  it('lets tokens expire with the window, so an old calm period funds nothing', () => {
    const clock = createManualClock();
    const budget = createRetryBudget({ ratio: 0.2, minRetriesPerWindow: 0, windowSeconds: 1, clock });
    for (let i = 0; i < 100; i += 1) budget.recordCall();
    clock.advance(1_500);
    assert.equal(budget.tryRetry(), false);
    assert.equal(budget.snapshot().calls, 0);
  });

  it('keeps a floor so a quiet client can still retry', () => {
    const budget = createRetryBudget({ minRetriesPerWindow: 3, clock: createManualClock() });
    budget.recordCall();
    assert.deepEqual(
      [budget.tryRetry(), budget.tryRetry(), budget.tryRetry(), budget.tryRetry()],
      [true, true, true, false],
    );
  });

  it('caps the retries of a policy when everything fails: at most 20% extra attempts', async () => {
    const clock = createManualClock();
    const budget = createRetryBudget({ clock, minRetriesPerWindow: 0 });
    const { retry, registry } = setup({ budget, maxAttempts: 5 });
    let attempts = 0;
    for (let i = 0; i < 200; i += 1) {
      await assert.rejects(
        retry.execute(async () => {
          attempts += 1;
          throw http(503);
        }),
      );
    }
    assert.equal(attempts - 200, 40); // 20 % of 200 calls; without the budget it would be 800
    // Every call ended on an empty budget; 40 of the failed attempts were retried.
    assert.match(
      await registry.metrics(),
      /retry_decisions_total\{name="test",decision="budget_exhausted"\} 200/,
    );
  });
});
