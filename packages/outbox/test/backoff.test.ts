import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../src/backoff.ts';
import { createWakeup } from '../src/wakeup.ts';

const options = { initialMs: 100, maxMs: 2_000 };

test('backoff doubles per attempt within [ceiling/2, ceiling]', () => {
  assert.equal(
    backoffDelay(1, options, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(1, options, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(2, options, () => 1),
    200,
  );
  assert.equal(
    backoffDelay(4, options, () => 0),
    400,
  );
  assert.equal(
    backoffDelay(4, options, () => 1),
    800,
  );
});

test('backoff is capped and tolerates absurd attempt numbers', () => {
  assert.equal(
    backoffDelay(6, options, () => 1),
    2_000,
  );
  assert.equal(
    backoffDelay(1_000, options, () => 1),
    2_000,
  );
  assert.equal(
    backoffDelay(1_000, options, () => 0),
    1_000,
  );
  assert.equal(
    backoffDelay(0, options, () => 1),
    100,
    'attempt < 1 is treated as the first',
  );
});

test('backoff is jittered between retriers', () => {
  const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, options)));
  assert.ok(delays.size > 10, 'random jitter spreads the delays');
  for (const delay of delays) assert.ok(delay >= 800 && delay <= 1_600);
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
