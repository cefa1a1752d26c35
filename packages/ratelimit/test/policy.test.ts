import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request, Response } from 'express';
import {
  capacityOf,
  DEFAULT_TIERS,
  type Rule,
  tieredRule,
  validateCost,
  validateRule,
} from '../src/index.ts';

const base: Rule = { name: 'r', algorithm: 'token-bucket', limit: 10, windowMs: 1_000 };

test('rule validation names the problem', () => {
  assert.equal(validateRule(base), base);
  const bad: [Partial<Rule>, RegExp][] = [
    [{ name: 'has space' }, /name/],
    [{ algorithm: 'magic' as Rule['algorithm'] }, /unknown algorithm/],
    [{ limit: 0 }, /limit/],
    [{ limit: 1.5 }, /limit/],
    [{ windowMs: -1 }, /windowMs/],
    [{ algorithm: 'sliding-window-log', limit: 1_000_000 }, /sliding log/],
    [{ algorithm: 'fixed-window', burst: 5 }, /burst applies/],
    [{ failMode: 'sideways' as Rule['failMode'] }, /failMode/],
  ];
  for (const [change, message] of bad) {
    assert.throws(
      () => validateRule({ ...base, ...change }),
      { code: 'INVALID_RULE', message },
      JSON.stringify(change),
    );
  }
});

test('capacity: burst for buckets and GCRA, the limit for windows', () => {
  assert.equal(capacityOf({ ...base, burst: 3 }), 3);
  assert.equal(capacityOf(base), 10);
  assert.equal(capacityOf({ ...base, algorithm: 'fixed-window' }), 10);
});

test('cost must be a positive integer that can ever fit', () => {
  validateCost(10, [base]);
  assert.throws(() => validateCost(11, [base]), { code: 'COST_EXCEEDS_LIMIT' });
  assert.throws(() => validateCost(-1, [base]), { code: 'INVALID_COST' });
  assert.throws(() => validateCost(0.5, [base]), { code: 'INVALID_COST' });
});

test('tiers: the defaults, the claim, the fallback to free, and unlimited', () => {
  assert.deepEqual(DEFAULT_TIERS, {
    free: { limit: 100, windowMs: 60_000 },
    pro: { limit: 1_000, windowMs: 60_000 },
    enterprise: 'unlimited',
  });
  const choose = tieredRule({ name: 'api', algorithm: 'gcra' });
  const withTier = (tier?: string) =>
    choose({} as Request, { locals: tier ? { auth: { tier } } : {} } as unknown as Response);
  assert.equal(withTier('pro')?.limit, 1_000);
  assert.equal(withTier('pro')?.name, 'api.pro');
  assert.equal(withTier('free')?.limit, 100);
  assert.equal(withTier(), withTier('free'), 'anonymous -> free');
  assert.equal(withTier('platinum'), withTier('free'), 'unknown tier -> free');
  assert.equal(withTier('enterprise'), undefined);
  const custom = tieredRule({
    name: 'api',
    algorithm: 'gcra',
    tiers: { pro: { limit: 10_000, windowMs: 60_000 } },
    defaultTier: 'pro',
  });
  assert.equal(custom({} as Request, { locals: {} } as unknown as Response)?.limit, 10_000);
  assert.throws(() => tieredRule({ name: 'api', algorithm: 'gcra', defaultTier: 'nope' }), RangeError);
});
