// The in-process parts, on a hand-moved clock: local block list, insurance limiter, deadline timer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createManualClock } from '@lab/resilience';
import { DeadlineTimer, RedisTimeoutError } from '../src/deadline.ts';
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

test('deadline: one sweeping timer rejects calls that outlive the limit', async () => {
  const timer = new DeadlineTimer(20);
  assert.equal(await timer.run(Promise.resolve(7)), 7);
  await assert.rejects(timer.run(Promise.reject(new Error('boom'))), /boom/);
  const started = performance.now();
  await assert.rejects(timer.run(new Promise(() => {})), RedisTimeoutError);
  const took = performance.now() - started;
  assert.ok(took >= 19 && took < 200, `rejected after ${took.toFixed(1)} ms`);
});
