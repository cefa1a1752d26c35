// The breaker's state machine on a manual clock: every transition, minimum calls, half-open permits
// under concurrency, slow calls, forced states, growing open durations, time-window expiry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectGarbage, isCollected } from '@lab/metrics/testing';
import { Registry } from 'prom-client';
import { breakerStartingAtEpoch } from '../src/circuit-breaker.ts';
import { EPOCH_LIMIT, epochOf, permitFor } from '../src/epoch.ts';
import {
  type BreakerState,
  type CircuitBreakerOptions,
  CircuitOpenError,
  createCircuitBreaker,
  createManualClock,
  TimeoutError,
} from '../src/index.ts';
import { boom, deferred, flush, ok } from './helpers.ts';

function setup(options: Partial<CircuitBreakerOptions> = {}, firstEpoch = 0) {
  const clock = createManualClock(1_000);
  const registry = new Registry();
  const breaker = breakerStartingAtEpoch(
    {
      name: 'test',
      window: { type: 'count', size: 10 },
      minimumCalls: 4,
      failureRateThreshold: 0.5,
      slowCallDurationMs: 100,
      slowCallRateThreshold: 1,
      openDurationMs: 1_000,
      halfOpenPermits: 2,
      clock,
      registry,
      ...options,
    },
    firstEpoch,
  );
  const transitions: string[] = [];
  breaker.on('stateChange', ({ from, to }) => transitions.push(`${from}->${to}`));
  return { clock, registry, breaker, transitions };
}

async function fail(breaker: { execute: (op: () => Promise<string>) => Promise<string> }, times = 1) {
  for (let i = 0; i < times; i += 1) await assert.rejects(breaker.execute(boom), /boom/);
}

async function succeed(breaker: { execute: (op: () => Promise<string>) => Promise<string> }, times = 1) {
  for (let i = 0; i < times; i += 1) assert.equal(await breaker.execute(ok), 'ok');
}

async function tripOpen(setupResult: ReturnType<typeof setup>) {
  await fail(setupResult.breaker, 4);
  assert.equal(setupResult.breaker.state, 'open');
}

describe('circuit breaker: closed', () => {
  it('passes calls through and returns their value', async () => {
    const { breaker } = setup();
    assert.equal(await breaker.execute(async () => 42), 42);
    assert.equal(breaker.state, 'closed');
  });

  it('does not trip before minimumCalls, however many of them fail', async () => {
    const { breaker } = setup({ minimumCalls: 4 });
    await fail(breaker, 3);
    assert.equal(breaker.state, 'closed');
    await fail(breaker, 1);
    assert.equal(breaker.state, 'open');
  });

  it('trips when the failure rate reaches the threshold, not below it', async () => {
    const { breaker, transitions } = setup({ minimumCalls: 4, failureRateThreshold: 0.5 });
    await succeed(breaker, 3);
    await fail(breaker, 2); // 2 of 5 = 40 %
    assert.equal(breaker.state, 'closed');
    await fail(breaker, 1); // 3 of 6 = 50 %
    assert.equal(breaker.state, 'open');
    assert.deepEqual(transitions, ['closed->open']);
  });

  it('forgets failures that slid out of a count window', async () => {
    const { breaker } = setup({ window: { type: 'count', size: 4 }, minimumCalls: 4 });
    await fail(breaker, 1);
    await succeed(breaker, 3); // 1 of 4 failed
    await succeed(breaker, 1); // the failure slid out
    await fail(breaker, 1);
    await fail(breaker, 1); // 2 of 4 = 50 %
    assert.equal(breaker.state, 'open');
  });

  it('trips on the slow-call rate even when every call succeeds', async () => {
    const { breaker, clock } = setup({
      slowCallDurationMs: 100,
      slowCallRateThreshold: 0.75,
      minimumCalls: 4,
    });
    const slow = async () => {
      clock.advance(150);
      return 'slow';
    };
    await breaker.execute(slow);
    await breaker.execute(slow);
    await succeed(breaker, 1);
    assert.equal(breaker.state, 'closed');
    await breaker.execute(slow); // 3 of 4 slow = 75 %
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.snapshot().totals.slow, 3);
  });

  it('forgets calls older than a time window, a bucket at a time', async () => {
    const { breaker, clock } = setup({ window: { type: 'time', seconds: 1, buckets: 10 }, minimumCalls: 4 });
    await fail(breaker, 3);
    clock.advance(1_100); // those three are out of the window
    assert.equal(breaker.snapshot().window.calls, 0);
    await fail(breaker, 1);
    await succeed(breaker, 3);
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.snapshot().window.failureRate, 0.25);
  });

  it('counts errors the predicate rejects as healthy answers and skips the fallback for them', async () => {
    class NotFound extends Error {}
    const { breaker } = setup({ isFailure: (error) => !(error instanceof NotFound) });
    for (let i = 0; i < 6; i += 1) {
      await assert.rejects(
        breaker.execute(
          async () => {
            throw new NotFound();
          },
          { fallback: () => 'fallback' },
        ),
        NotFound,
      );
    }
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.snapshot().totals.success, 6);
  });

  it('does not hold a call the caller cancelled against the dependency', async () => {
    const { breaker } = setup();
    for (let i = 0; i < 6; i += 1) {
      const controller = new AbortController();
      const call = breaker.execute(
        (signal) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
          ),
        { signal: controller.signal },
      );
      controller.abort(new Error('caller gave up'));
      await assert.rejects(call, /caller gave up/);
    }
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.snapshot().window.calls, 0);
  });

  it('uses the fallback for counted failures', async () => {
    const { breaker } = setup();
    assert.equal(await breaker.execute(boom, { fallback: () => 'cached' }), 'cached');
  });
});

describe('circuit breaker: open', () => {
  it('rejects at once with CircuitOpenError without running the call', async () => {
    const s = setup();
    await tripOpen(s);
    let ran = false;
    const error = await s.breaker
      .execute(async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    assert.ok(error instanceof CircuitOpenError);
    assert.equal(error.code, 'CIRCUIT_OPEN');
    assert.equal(error.state, 'open');
    assert.equal(error.retryAfterMs, 1_000);
    assert.equal(ran, false);
    assert.equal(s.breaker.snapshot().totals.rejected, 1);
  });

  it('emits rejected and serves the fallback while open', async () => {
    const s = setup();
    await tripOpen(s);
    const rejected: BreakerState[] = [];
    s.breaker.on('rejected', ({ state }) => rejected.push(state));
    assert.equal(
      await s.breaker.execute(ok, { fallback: (e) => (e as CircuitOpenError).code }),
      'CIRCUIT_OPEN',
    );
    assert.deepEqual(rejected, ['open']);
  });

  it('becomes half-open once openDurationMs has passed, without a timer', async () => {
    const s = setup({ openDurationMs: 1_000 });
    await tripOpen(s);
    s.clock.advance(999);
    assert.equal(s.breaker.state, 'open');
    assert.equal(s.breaker.snapshot().openRemainingMs, 1);
    s.clock.advance(1);
    assert.equal(s.breaker.state, 'half-open');
    assert.deepEqual(s.transitions, ['closed->open', 'open->half-open']);
  });
});

describe('circuit breaker: half-open', () => {
  it('lets K trials through and closes when they all succeed', async () => {
    const s = setup({ halfOpenPermits: 2 });
    await tripOpen(s);
    s.clock.advance(1_000);
    await succeed(s.breaker, 1);
    assert.equal(s.breaker.state, 'half-open');
    await succeed(s.breaker, 1);
    assert.equal(s.breaker.state, 'closed');
    assert.deepEqual(s.transitions, ['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('never has more than K trials in flight and rejects the rest', async () => {
    const s = setup({ halfOpenPermits: 3 });
    await tripOpen(s);
    s.clock.advance(1_000);
    let inFlight = 0;
    let maxInFlight = 0;
    const gate = deferred();
    const trial = async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await gate.promise;
      inFlight -= 1;
      return 'ok';
    };
    const calls = Array.from({ length: 20 }, () => s.breaker.execute(trial));
    const settled = Promise.allSettled(calls);
    await flush();
    assert.equal(inFlight, 3);
    assert.equal(s.breaker.snapshot().halfOpen.inFlight, 3);
    gate.resolve();
    const results = await settled;
    assert.equal(maxInFlight, 3);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
    const rejected = results.filter((r) => r.status === 'rejected');
    assert.equal(rejected.length, 17);
    for (const r of rejected)
      assert.ok(r.reason instanceof CircuitOpenError && r.reason.state === 'half-open');
    assert.equal(s.breaker.state, 'closed');
  });

  it('does not admit new trials while trials from an earlier episode are still running', async () => {
    const s = setup({ halfOpenPermits: 1 });
    await tripOpen(s);
    s.clock.advance(1_000);
    const hanging = deferred<string>();
    const first = s.breaker.execute(() => hanging.promise); // trial 1, never answers for now
    s.breaker.forceOpen();
    s.breaker.reset();
    await tripOpen(s);
    s.clock.advance(1_000);
    await assert.rejects(s.breaker.execute(ok), CircuitOpenError); // the old trial still holds the slot
    hanging.resolve('late');
    assert.equal(await first, 'late');
    assert.equal(s.breaker.state, 'half-open'); // the stale result did not close it
    await succeed(s.breaker, 1);
    assert.equal(s.breaker.state, 'closed');
  });

  it('opens again on a failed trial, for longer each time, up to maxOpenDurationMs', async () => {
    const s = setup({ openDurationMs: 1_000, maxOpenDurationMs: 3_000, halfOpenPermits: 2 });
    await tripOpen(s);
    const durations: number[] = [s.breaker.snapshot().openDurationMs];
    for (let i = 0; i < 3; i += 1) {
      s.clock.advance(durations.at(-1) ?? 0);
      await fail(s.breaker, 1);
      assert.equal(s.breaker.state, 'open');
      durations.push(s.breaker.snapshot().openDurationMs);
    }
    assert.deepEqual(durations, [1_000, 2_000, 3_000, 3_000]);
    // A successful probe closes it and the next open starts from the base duration again.
    s.clock.advance(3_000);
    await succeed(s.breaker, 2);
    assert.equal(s.breaker.state, 'closed');
    await tripOpen(s);
    assert.equal(s.breaker.snapshot().openDurationMs, 1_000);
  });

  it('opens again when the trials are all slow', async () => {
    const s = setup({ halfOpenPermits: 2, slowCallDurationMs: 100, slowCallRateThreshold: 1 });
    await tripOpen(s);
    s.clock.advance(1_000);
    const slow = async () => {
      s.clock.advance(200);
      return 'slow';
    };
    await s.breaker.execute(slow);
    await s.breaker.execute(slow);
    assert.equal(s.breaker.state, 'open');
  });

  it('ignores a result from a call admitted while closed', async () => {
    const s = setup({ halfOpenPermits: 1 });
    const straggler = deferred<string>();
    const late = s.breaker.execute(() => straggler.promise); // admitted while closed
    await tripOpen(s);
    s.clock.advance(1_000);
    assert.equal(s.breaker.state, 'half-open');
    straggler.resolve('late');
    await late;
    assert.equal(s.breaker.state, 'half-open'); // not taken for a successful trial
  });

  it('hands the permit back when the caller cancels a trial', async () => {
    const s = setup({ halfOpenPermits: 1 });
    await tripOpen(s);
    s.clock.advance(1_000);
    const controller = new AbortController();
    const cancelled = s.breaker.execute(
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      { signal: controller.signal },
    );
    controller.abort(new Error('cancelled'));
    await assert.rejects(cancelled, /cancelled/);
    await succeed(s.breaker, 1);
    assert.equal(s.breaker.state, 'closed');
  });
});

describe('circuit breaker: half-open cannot last forever', () => {
  it('opens again after maxHalfOpenWaitMs when a trial never settles, and frees its slot', async () => {
    const s = setup({ halfOpenPermits: 1, maxHalfOpenWaitMs: 5_000, maxOpenDurationMs: 4_000 });
    await tripOpen(s);
    s.clock.advance(1_000);
    const hanging = deferred<string>();
    const stuck = s.breaker.execute(() => hanging.promise); // the only trial; no call timeout
    s.clock.advance(4_999);
    assert.equal(s.breaker.state, 'half-open');
    await assert.rejects(s.breaker.execute(ok), CircuitOpenError);
    s.clock.advance(1);
    await assert.rejects(s.breaker.execute(ok), (e) => e instanceof CircuitOpenError && e.state === 'open');
    assert.deepEqual(s.transitions, ['closed->open', 'open->half-open', 'half-open->open']);
    assert.equal(
      s.breaker.snapshot().openDurationMs,
      2_000,
      'a half-open that timed out counts as a failed probe',
    );
    s.clock.advance(2_000);
    // The abandoned trial no longer holds the only permit.
    await succeed(s.breaker, 1);
    assert.equal(s.breaker.state, 'closed');
    hanging.resolve('very late');
    assert.equal(await stuck, 'very late');
    assert.equal(s.breaker.state, 'closed');
    assert.equal(s.breaker.snapshot().halfOpen.inFlight, 0, 'the late trial is not subtracted twice');
    await tripOpen(s);
    s.clock.advance(1_000);
    await succeed(s.breaker, 1);
    assert.equal(s.breaker.state, 'closed', 'the next episode admits its trial as usual');
  });

  it('the state getter notices the half-open deadline without a call', async () => {
    const s = setup({ halfOpenPermits: 1, maxHalfOpenWaitMs: 500 });
    await tripOpen(s);
    s.clock.advance(1_000);
    void s.breaker.execute(() => new Promise<string>(() => {}));
    s.clock.advance(500);
    assert.equal(s.breaker.state, 'open');
  });

  it('waits for the trials when maxHalfOpenWaitMs is Infinity', async () => {
    const s = setup({ halfOpenPermits: 1, maxHalfOpenWaitMs: Number.POSITIVE_INFINITY });
    await tripOpen(s);
    s.clock.advance(1_000);
    void s.breaker.execute(() => new Promise<string>(() => {}));
    s.clock.advance(10 * 365 * 24 * 3_600_000);
    assert.equal(s.breaker.state, 'half-open');
  });
});

describe('circuit breaker: the epoch wraps', () => {
  it('keeps the largest permit a small integer that gives its epoch back', () => {
    const last = permitFor(EPOCH_LIMIT - 1, true);
    assert.ok(last < 2 ** 30, 'a V8 small integer');
    assert.equal(epochOf(last), EPOCH_LIMIT - 1);
    assert.equal(epochOf(permitFor(EPOCH_LIMIT - 1, false)), EPOCH_LIMIT - 1);
  });

  it('judges outcomes across the wrap, and still ignores one admitted before it', async () => {
    // Starts two transitions before the wrap (the hook), instead of looping 2^29 times.
    const s = setup({ halfOpenPermits: 2 }, EPOCH_LIMIT - 2);
    const straggler = deferred<string>();
    const late = s.breaker.execute(() => straggler.promise); // admitted in epoch LIMIT - 2
    await tripOpen(s); // epoch LIMIT - 1
    s.clock.advance(1_000);
    assert.equal(s.breaker.state, 'half-open'); // epoch 0: wrapped
    await succeed(s.breaker, 2);
    assert.equal(s.breaker.state, 'closed', 'trials admitted after the wrap count');
    straggler.resolve('late');
    assert.equal(await late, 'late');
    await fail(s.breaker, 3);
    assert.equal(s.breaker.state, 'closed', 'the straggler was not counted in the window');
    await fail(s.breaker, 1);
    assert.equal(s.breaker.state, 'open', 'failures after the wrap still trip it');
    assert.deepEqual(s.transitions, ['closed->open', 'open->half-open', 'half-open->closed', 'closed->open']);
  });
});

describe('circuit breaker: forced states and reset', () => {
  it('forced-open rejects everything until reset, whatever the clock says', async () => {
    const s = setup();
    s.breaker.forceOpen();
    s.clock.advance(1_000_000);
    assert.equal(s.breaker.state, 'forced-open');
    const error = await s.breaker.execute(ok).catch((e: unknown) => e);
    assert.ok(error instanceof CircuitOpenError && error.state === 'forced-open');
    s.breaker.reset();
    await succeed(s.breaker, 1);
    assert.deepEqual(s.transitions, ['closed->forced-open', 'forced-open->closed']);
  });

  it('disabled lets every call through and records nothing', async () => {
    const s = setup();
    s.breaker.disable();
    await fail(s.breaker, 20);
    assert.equal(s.breaker.state, 'disabled');
    assert.equal(s.breaker.snapshot().totals.failure, 0);
    s.breaker.reset();
    assert.equal(s.breaker.state, 'closed');
  });

  it('reset clears the window and the open-duration growth', async () => {
    const s = setup({ maxOpenDurationMs: 8_000 });
    await tripOpen(s);
    s.clock.advance(1_000);
    await fail(s.breaker, 1);
    assert.equal(s.breaker.snapshot().openDurationMs, 2_000);
    s.breaker.reset();
    assert.equal(s.breaker.snapshot().window.calls, 0);
    await tripOpen(s);
    assert.equal(s.breaker.snapshot().openDurationMs, 1_000);
  });
});

describe('circuit breaker: transition reasons', () => {
  function withReasons(options: Partial<CircuitBreakerOptions> = {}) {
    const s = setup(options);
    const reasons: string[] = [];
    s.breaker.on('stateChange', ({ from, to, reason }) => reasons.push(`${from}->${to}: ${reason}`));
    return { ...s, reasons };
  }

  it('says why on every automatic move', async () => {
    const s = withReasons({ halfOpenPermits: 1 });
    await tripOpen(s);
    s.clock.advance(1_000);
    await fail(s.breaker, 1); // the trial fails
    s.clock.advance(2_000);
    await succeed(s.breaker, 1); // the trial passes
    assert.deepEqual(s.reasons, [
      'closed->open: failure-rate',
      'open->half-open: open-elapsed',
      'half-open->open: trial-failed',
      'open->half-open: open-elapsed',
      'half-open->closed: trials-passed',
    ]);
  });

  it('tells slow trips, slow trials and a half-open that waited too long apart', async () => {
    const s = withReasons({ halfOpenPermits: 1, maxHalfOpenWaitMs: 500 });
    const slow = async () => {
      s.clock.advance(150);
      return 'slow';
    };
    for (let i = 0; i < 4; i += 1) await s.breaker.execute(slow);
    s.clock.advance(1_000);
    await s.breaker.execute(slow); // the one trial is slow: 1 of 1 reaches the rate
    s.clock.advance(1_000);
    const hung = s.breaker.execute(() => new Promise<string>(() => {}));
    s.clock.advance(500);
    assert.equal(s.breaker.state, 'open');
    void hung;
    assert.deepEqual(s.reasons, [
      'closed->open: slow-call-rate',
      'open->half-open: open-elapsed',
      'half-open->open: trials-slow',
      'open->half-open: open-elapsed',
      'half-open->open: half-open-timeout',
    ]);
  });

  it('names the operator moves, and makes none when the breaker is already there', () => {
    const s = withReasons();
    s.breaker.forceOpen();
    s.breaker.forceOpen();
    s.breaker.disable();
    s.breaker.disable();
    s.breaker.reset();
    s.breaker.reset();
    assert.deepEqual(s.reasons, [
      'closed->forced-open: forced',
      'forced-open->disabled: disabled',
      'disabled->closed: reset',
    ]);
  });
});

describe('circuit breaker: per-call timeout', () => {
  it('aborts the signal, rejects with TimeoutError and counts a timeout', async () => {
    const { breaker } = setup({ callTimeoutMs: 20, minimumCalls: 1, window: { type: 'count', size: 1 } });
    let seen: unknown;
    const timeouts: number[] = [];
    breaker.on('timeout', ({ error }) => timeouts.push(error.timeoutMs));
    const error = await breaker
      .execute(
        (signal) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => {
              seen = signal.reason;
              reject(signal.reason);
            }),
          ),
      )
      .catch((e: unknown) => e);
    assert.ok(error instanceof TimeoutError && error.code === 'TIMEOUT');
    assert.equal(seen, error);
    assert.deepEqual(timeouts, [20]);
    assert.equal(breaker.snapshot().totals.timeout, 1);
    assert.equal(breaker.state, 'open');
  });

  it('rejects at the limit even when the call ignores its signal', async () => {
    const { breaker } = setup({ callTimeoutMs: 20 });
    const never = deferred<string>();
    await assert.rejects(
      breaker.execute(() => never.promise),
      TimeoutError,
    );
    never.resolve('too late');
  });
});

describe('circuit breaker: metrics and snapshot', () => {
  it('exports state, transitions and calls by outcome', async () => {
    const s = setup();
    await tripOpen(s);
    await assert.rejects(s.breaker.execute(ok), CircuitOpenError);
    s.clock.advance(1_000);
    await succeed(s.breaker, 1); // the first of two half-open trials
    const text = await s.registry.metrics();
    assert.match(text, /circuit_breaker_state\{name="test"\} 2/);
    assert.match(text, /circuit_breaker_transitions_total\{name="test",from="closed",to="open"\} 1/);
    assert.match(text, /circuit_breaker_calls_total\{name="test",outcome="success"\} 1/);
    assert.match(text, /circuit_breaker_calls_total\{name="test",outcome="failure"\} 4/);
    assert.match(text, /circuit_breaker_calls_total\{name="test",outcome="rejected"\} 1/);
    assert.match(text, /circuit_breaker_calls_total\{name="test",outcome="timeout"\} 0/);
    // A second scrape adds only what happened since the first.
    await succeed(s.breaker, 1);
    const later = await s.registry.metrics();
    assert.match(later, /circuit_breaker_calls_total\{name="test",outcome="success"\} 2/);
    assert.match(later, /circuit_breaker_state\{name="test"\} 0/);
  });

  it('lets a scrape notice that an open breaker is due for half-open', async () => {
    const s = setup();
    await tripOpen(s);
    s.clock.advance(1_000);
    assert.match(await s.registry.metrics(), /circuit_breaker_state\{name="test"\} 2/);
  });

  it('counts across scrapes and keeps totals in the snapshot', async () => {
    const s = setup();
    await succeed(s.breaker, 2);
    assert.match(
      await s.registry.metrics(),
      /circuit_breaker_calls_total\{name="test",outcome="success"\} 2/,
    );
    await succeed(s.breaker, 3);
    assert.equal(s.breaker.snapshot().totals.success, 5);
    assert.match(
      await s.registry.metrics(),
      /circuit_breaker_calls_total\{name="test",outcome="success"\} 5/,
    );
  });

  it('keeps counting every breaker on a shared registry after a garbage collection', async () => {
    const registry = new Registry();
    const breakers = ['a', 'b', 'c'].map((name) => createCircuitBreaker({ name, registry }));
    await collectGarbage();
    for (const breaker of breakers) await succeed(breaker, 2);
    for (const name of ['a', 'b', 'c']) {
      assert.match(
        await registry.metrics(),
        new RegExp(`circuit_breaker_calls_total\\{name="${name}",outcome="success"\\} 2`),
      );
    }
  });

  it('does not keep a dropped breaker alive through its metrics', async () => {
    const registry = new Registry();
    let ref: WeakRef<object> | undefined;
    await (async () => {
      const breaker = createCircuitBreaker({ name: 'dropped', registry, halfOpenPermits: 1 });
      await succeed(breaker, 1);
      breaker.forceOpen();
      await registry.metrics(); // scraped at least once, as in a service
      ref = new WeakRef(breaker);
    })();
    assert.ok(ref && (await isCollected(ref)), 'the dropped breaker was collected');
    // Its series stay with their last values.
    const text = await registry.metrics();
    assert.match(text, /circuit_breaker_calls_total\{name="dropped",outcome="success"\} 1/);
    assert.match(text, /circuit_breaker_state\{name="dropped"\} 3/);
  });

  it('reuses the metrics when many breakers share a registry', () => {
    const registry = new Registry();
    for (let i = 0; i < 3; i += 1) createCircuitBreaker({ name: `b${i}`, registry });
    assert.equal(registry.getMetricsAsArray().length, 3);
  });

  it('rejects options that could never work', () => {
    const registry = new Registry();
    const make = (options: Partial<CircuitBreakerOptions>) => () =>
      createCircuitBreaker({ name: 'bad', registry, ...options });
    assert.throws(make({ window: { type: 'count', size: 5 }, minimumCalls: 10 }), /could never trip/);
    assert.throws(make({ failureRateThreshold: 0 }), RangeError);
    assert.throws(make({ failureRateThreshold: 1.5 }), RangeError);
    assert.throws(make({ halfOpenPermits: 0 }), RangeError);
    assert.throws(make({ openDurationMs: 1_000, maxOpenDurationMs: 500 }), RangeError);
    assert.throws(make({ callTimeoutMs: 0 }), RangeError);
    assert.throws(make({ name: '' }), /name is required/);
    assert.throws(make({ isFailure: 'yes' as never }), /isFailure must be a function/);
    assert.throws(make({ maxHalfOpenWaitMs: 0 }), /maxHalfOpenWaitMs must be > 0/);
    assert.throws(make({ maxHalfOpenWaitMs: Number.NaN }), /maxHalfOpenWaitMs must be > 0/);
    assert.throws(make({ window: { type: 'sliding' } as never }), /window type must be 'count' or 'time'/);
    assert.throws(make({ window: { type: 'time', seconds: 0 } }), RangeError);
  });
});
