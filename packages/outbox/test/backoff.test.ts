import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, pause } from '../src/backoff.ts';
import { createWakeup } from '../src/wakeup.ts';

const options = { initialMs: 100, maxMs: 2_000 };

// Full jitter (the lab's one backoff, @lab/resilience): a delay is uniform in [0, ceiling], the
// ceiling doubling per attempt up to maxMs. (Until the unification this was equal jitter,
// [ceiling/2, ceiling]; the expectations below changed with it on purpose.)
test('backoff doubles its ceiling per attempt, full jitter in [0, ceiling]', () => {
  assert.equal(
    backoffDelay(1, options, () => 0),
    0,
  );
  assert.equal(
    backoffDelay(1, options, () => 0.5),
    50,
  );
  assert.equal(
    backoffDelay(2, options, () => 0.5),
    100,
  );
  assert.equal(
    backoffDelay(4, options, () => 0.5),
    400,
  );
});

test('backoff is capped and tolerates absurd attempt numbers', () => {
  assert.equal(
    backoffDelay(6, options, () => 0.999_999),
    2_000,
  );
  assert.equal(
    backoffDelay(1_000, options, () => 0.5),
    1_000,
  );
  assert.equal(
    backoffDelay(0, options, () => 0.5),
    50,
    'attempt < 1 is treated as the first',
  );
});

test('backoff is jittered between retriers', () => {
  const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, options)));
  assert.ok(delays.size > 10, 'random jitter spreads the delays');
  for (const delay of delays) assert.ok(delay >= 0 && delay <= 1_600);
});

test('pause resolves early, without rejecting, when the loop is stopped', async () => {
  const controller = new AbortController();
  const paused = pause(60_000, controller.signal);
  controller.abort();
  await paused;
  await pause(60_000, controller.signal);
});

test('wakeup returns early when woken, and remembers a wake that came while nobody waited', async () => {
  const wakeup = createWakeup();
  const waiting = wakeup.wait(10_000);
  wakeup.wake();
  assert.equal(await waiting, true);
  wakeup.wake();
  assert.equal(await wakeup.wait(10_000), true, 'pending wake consumed at once');
  assert.equal(await wakeup.wait(5), false, 'no wake pending: times out');
});
