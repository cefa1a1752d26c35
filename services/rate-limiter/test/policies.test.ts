import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Rule } from '@lab/ratelimit';
import {
  counterKeyFor,
  decodeCursor,
  encodeCursor,
  INLINE_RULE_NAME,
  planCheck,
  ruleFromInline,
  ruleFromInput,
  type TierRecord,
  tierRule,
} from '../src/domain/policies.ts';

const rule: Rule = { name: 'api', algorithm: 'gcra', limit: 10, windowMs: 1_000 };
const pro: TierRecord = { name: 'pro', algorithm: 'sliding-window-counter', limit: 1_000, windowMs: 60_000 };
const enterprise: TierRecord = { ...pro, name: 'enterprise', limit: null };

test('a stored rule becomes a limiter rule; fail mode defaults to open, shadow only when set', () => {
  assert.deepEqual(ruleFromInput('api', { algorithm: 'gcra', limit: 10, windowMs: 1_000, burst: 3 }), {
    name: 'api',
    algorithm: 'gcra',
    limit: 10,
    windowMs: 1_000,
    burst: 3,
    failMode: 'open',
  });
  assert.equal(ruleFromInput('x', { ...rule, shadow: true, failMode: 'closed' }).failMode, 'closed');
  assert.equal(ruleFromInline({ algorithm: 'gcra', limit: 1, windowMs: 1 }).name, INLINE_RULE_NAME);
  assert.equal(ruleFromInline({ name: 'mine', algorithm: 'gcra', limit: 1, windowMs: 1 }).name, 'mine');
});

test('tiers: a rule named tier.<name>, none for an unlimited tier', () => {
  assert.deepEqual(tierRule(pro), {
    name: 'tier.pro',
    algorithm: 'sliding-window-counter',
    limit: 1_000,
    windowMs: 60_000,
  });
  assert.equal(tierRule(enterprise), undefined);
});

test('a check plan: the tenant tier outside the rule; no tier level when unlimited', () => {
  assert.deepEqual(planCheck(rule, 'k'), [{ rule, key: 'k' }]);
  assert.deepEqual(
    planCheck(rule, 'k', { id: 'acme', tier: pro }).map((level) => [level.rule.name, level.key]),
    [
      ['tier.pro', 'acme'],
      ['api', 'k'],
    ],
  );
  assert.deepEqual(planCheck(rule, 'k', { id: 'big', tier: enterprise }), [{ rule, key: 'k' }]);
});

test("a caller's key is inside its tenant's namespace unless it acts for others", () => {
  assert.equal(counterKeyFor('x', { tenant: 'acme', actsForOthers: false }), 'tenant:acme:x');
  assert.equal(counterKeyFor('x', { tenant: 'beta', actsForOthers: false }), 'tenant:beta:x');
  assert.equal(counterKeyFor('x', { tenant: 'gateway', actsForOthers: true }), 'x');
});

test('inline policies are labelled `inline` in metrics whatever their name', () => {
  assert.equal(
    ruleFromInline({ name: 'caller-7', algorithm: 'gcra', limit: 1, windowMs: 1 }).metricLabel,
    'inline',
  );
});

test('cursors round-trip and refuse garbage', () => {
  assert.equal(decodeCursor(encodeCursor('p-b')), 'p-b');
  assert.equal(decodeCursor('!!!'), undefined);
  assert.equal(decodeCursor(Buffer.from('a b').toString('base64url')), undefined);
});
