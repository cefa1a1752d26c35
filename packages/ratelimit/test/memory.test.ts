// The in-process parts, on a hand-moved clock: local block list, insurance limiter, deadline timer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createManualClock } from '@lab/resilience';
import { DeadlineTimer } from '../src/deadline.ts';
import { isRedisTimeout } from '../src/errors.ts';
import { InsuranceLimiter } from '../src/insurance.ts';
import { LocalBlockList } from '../src/local-block.ts';
import type { Rule } from '../src/policy.ts';

test('local block: refuses for the retry time, for that cost or more, then forgets', () => {
  const clock = createManualClock();
  const blocks = new LocalBlockList({ clock });
  blocks.block('k', 1_000, 2);
  assert.equal(blocks.blockedFor('k', 2), 1_000);
  assert.equal(blocks.blockedFor('k', 5), 1_000);
  assert.equal(blocks.blockedFor('k', 1), 0, 'a cheaper request may still fit');
  clock.advance(999);
  assert.equal(blocks.blockedFor('k', 2), 1);
  clock.advance(1);
  assert.equal(blocks.blockedFor('k', 2), 0);
  assert.equal(blocks.size, 0);
});

test('local block: bounded, the oldest entry goes first', () => {
  const blocks = new LocalBlockList({ maxEntries: 2, now: () => 0 });
  blocks.block('a', 100, 1);
  blocks.block('b', 100, 1);
  blocks.block('c', 100, 1);
  assert.equal(blocks.size, 2);
  assert.equal(blocks.blockedFor('a', 1), 0);
  assert.equal(blocks.blockedFor('c', 1), 100);
});

const rule: Rule = { name: 'r', algorithm: 'fixed-window', limit: 10, windowMs: 1_000 };

test('insurance: a token bucket of the rule size, scaled by the instance share', () => {
  const clock = createManualClock();
  const insurance = new InsuranceLimiter({ share: 0.5, clock });
  const outcomes = Array.from(
    { length: 6 },
    () => insurance.check([{ key: 'k', rule }], 1).deniedLevel === 0,
  );
  assert.deepEqual(outcomes, [true, true, true, true, true, false], 'half of 10');
  clock.advance(200); // 5 per second -> 1 token
  assert.equal(insurance.check([{ key: 'k', rule }], 1).deniedLevel, 0);
  assert.equal(insurance.check([{ key: 'k', rule }], 1).deniedLevel, 1);
});

test('insurance: levels are all-or-nothing like the Redis script', () => {
  const insurance = new InsuranceLimiter({ now: () => 0 });
  const small: Rule = { ...rule, name: 'small', limit: 1 };
  const levels = [
    { key: 'big', rule },
    { key: 'small', rule: small },
  ];
  assert.equal(insurance.check(levels, 1).deniedLevel, 0);
  const refused = insurance.check(levels, 1);
  assert.equal(refused.deniedLevel, 2);
  assert.equal(refused.decisions[0]?.remaining, 8, 'the big level was asked (after: 8) ...');
  assert.equal(insurance.check([{ key: 'big', rule }], 1).decisions[0]?.remaining, 8, '... but not charged');
});

test('deadline: one sweeping timer rejects calls that outlive the limit', async (t) => {
  // Was: measured the rejection with performance.now() and asserted 19-200 ms, which a loaded
  // machine overshoots. Now the timer's clock and its setInterval are both moved by hand.
  t.mock.timers.enable({ apis: ['setInterval'] });
  const clock = createManualClock();
  const timer = new DeadlineTimer(20, clock);
  assert.equal(await timer.run(Promise.resolve(7)), 7);
  await assert.rejects(timer.run(Promise.reject(new Error('boom'))), /boom/);
  let outcome: unknown = 'pending';
  timer.run(new Promise(() => {})).then(
    () => (outcome = 'resolved'),
    (error: unknown) => (outcome = error),
  );
  // The rejection is queued with setImmediate (after replies already read); let it run.
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  for (let at = 5; at < 20; at += 5) {
    clock.advance(5);
    t.mock.timers.tick(5); // one sweep interval (timeoutMs / 4)
    await settle();
    assert.equal(outcome, 'pending', `still waiting at ${at} ms`);
  }
  clock.advance(5);
  t.mock.timers.tick(5);
  await settle();
  assert.ok(isRedisTimeout(outcome), `rejected at 20 ms: ${String(outcome)}`);
});
