// Hierarchical limits (global -> tenant -> user -> endpoint) in one atomic script (a standalone
// Redis): the cheapest checks run first, the first refusal stops the check, and a refused request
// consumes nothing at any level, including the levels that said yes before the refusal. The
// Cluster protocol (one script per slot, refunds) is in keys.integration.test.ts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestRedis, type TestRedis } from '@lab/testkit';
import type { Level, RateLimiter, Rule } from '../src/index.ts';
import { limiterOn, ready } from './support.ts';

const MINUTE = 60_000;
const globalRule: Rule = {
  name: 'global',
  algorithm: 'sliding-window-counter',
  limit: 1_000,
  windowMs: MINUTE,
};
const tenantRule: Rule = { name: 'tenant', algorithm: 'token-bucket', limit: 5, windowMs: MINUTE };
const userRule: Rule = { name: 'user', algorithm: 'sliding-window-log', limit: 3, windowMs: MINUTE };
const endpointRule: Rule = { name: 'endpoint', algorithm: 'gcra', limit: 100, windowMs: MINUTE };

let redis: TestRedis;
let limiter: RateLimiter;

before(async () => {
  redis = await createTestRedis('ratelimit-hierarchy');
  limiter = limiterOn(await ready(redis.connect()), redis.prefix, { localBlock: false });
});
after(() => redis.cleanup());

const levelsFor = (tenant: string, user: string): Level[] => [
  { rule: globalRule, key: 'all' },
  { rule: tenantRule, key: tenant },
  { rule: userRule, key: `${tenant}/${user}` },
  { rule: endpointRule, key: `${tenant}/${user}/GET /v1/things` },
];

test('levels are asked cheapest first and every level reports its quota', async () => {
  const result = await limiter.checkLevels(levelsFor('acme', 'ann'));
  assert.equal(result.allowed, true);
  // gcra (one GET) first, then the hash-based ones in the caller's order, the sorted set last.
  assert.deepEqual(
    result.levels.map((level) => level.rule.name),
    ['endpoint', 'global', 'tenant', 'user'],
  );
  assert.deepEqual(
    result.levels.map((level) => level.remaining),
    [99, 999, 4, 2],
  );
  // The binding level is the one closest to running out.
  assert.equal(result.rule?.name, 'user');
  assert.equal(result.remaining, 2);
});

test('a refusal at one level consumes nothing at the others', async () => {
  for (let i = 0; i < 3; i += 1)
    assert.equal((await limiter.checkLevels(levelsFor('beta', 'bob'))).allowed, true);
  // Bob is out of user quota: refused by "user", and the levels that said yes are untouched.
  // Their stored state is compared byte for byte: a refill between reads cannot hide a charge.
  const admin = await ready(redis.connect());
  const yesLevels = async () =>
    Promise.all([
      admin.get(`${redis.prefix}{endpoint:beta/bob/GET /v1/things}:gcra`),
      admin.hgetall(`${redis.prefix}{global:all}:swc`),
      admin.hgetall(`${redis.prefix}{tenant:beta}:tb`),
    ]);
  const before = await yesLevels();
  assert.ok(before[0] !== null && Object.keys(before[1]).length > 0 && Object.keys(before[2]).length > 0);
  for (let i = 0; i < 5; i += 1) {
    const refused = await limiter.checkLevels(levelsFor('beta', 'bob'));
    assert.equal(refused.allowed, false);
    assert.equal(refused.rule?.name, 'user');
    assert.deepEqual(refused.levels.find((level) => level.rule.name === 'tenant')?.remaining, 2);
  }
  assert.deepEqual(await yesLevels(), before, 'the refusals wrote nothing to the levels that said yes');
  // Tenant "beta" still has exactly 2 left for another user: bob's 5 refusals cost it nothing.
  const carol1 = await limiter.checkLevels(levelsFor('beta', 'carol'));
  assert.equal(carol1.levels.find((level) => level.rule.name === 'tenant')?.remaining, 1);
  const carol2 = await limiter.checkLevels(levelsFor('beta', 'carol'));
  assert.equal(carol2.allowed, true);
  // Now the tenant is empty: the refusal stops at "tenant", before "user" is even asked.
  const carol3 = await limiter.checkLevels(levelsFor('beta', 'carol'));
  assert.equal(carol3.allowed, false);
  assert.equal(carol3.rule?.name, 'tenant');
  assert.deepEqual(
    carol3.levels.map((level) => level.rule.name),
    ['endpoint', 'global', 'tenant'],
  );
  // Carol's user quota was spent twice only (3 - 2 = 1 left), not by the refused third request.
  const carolEntries = await admin.zcard(`${redis.prefix}{user:beta/carol}:swl`);
  assert.equal(carolEntries, 2);
});

test('each level is its own hash tag: the rule and key, whatever the other levels', async () => {
  await limiter.checkLevels(levelsFor('gamma', 'gus'));
  const admin = await ready(redis.connect());
  const keys = [
    `${redis.prefix}{global:all}:swc`,
    `${redis.prefix}{tenant:gamma}:tb`,
    `${redis.prefix}{user:gamma/gus}:swl`,
    `${redis.prefix}{endpoint:gamma/gus/GET /v1/things}:gcra`,
  ];
  assert.equal(await admin.exists(...keys), 4);
  // Redis Cluster hashes only the text between the first "{" and the next "}": here the rule and
  // key alone, so a Cluster spreads these four (and slot-split.ts decides them). This Redis has
  // cluster support off (CLUSTER KEYSLOT refuses), so the tag is read from the name as Redis does.
  const tagOf = (key: string) => key.slice(key.indexOf('{') + 1, key.indexOf('}', key.indexOf('{')));
  assert.deepEqual(keys.map(tagOf), [
    'global:all',
    'tenant:gamma',
    'user:gamma/gus',
    'endpoint:gamma/gus/GET /v1/things',
  ]);
});

test('the same rule and key twice in one check is refused', async () => {
  await assert.rejects(
    limiter.checkLevels([
      { rule: userRule, key: 'x' },
      { rule: userRule, key: 'x' },
    ]),
    { code: 'INVALID_RULE' },
  );
});

test('a shadow level that says no does not cut the check short: the real levels decide and are charged', async () => {
  const dark: Rule = { name: 'dark', algorithm: 'fixed-window', limit: 1, windowMs: MINUTE, shadow: true };
  const real: Rule = { name: 'real', algorithm: 'token-bucket', limit: 2, windowMs: MINUTE };
  const levels = [
    { rule: dark, key: 'd' },
    { rule: real, key: 'r' },
  ];
  const first = await limiter.checkLevels(levels);
  assert.equal(first.allowed, true);
  assert.equal(first.shadowDenied, false);
  const second = await limiter.checkLevels(levels);
  assert.equal(second.allowed, true, 'the dark level would refuse; the real one still has 1 unit');
  assert.equal(second.shadowDenied, true);
  assert.equal(second.rule?.name, 'real', 'a shadow level never binds');
  assert.deepEqual(
    second.levels.map((level) => [level.rule.name, level.allowed, level.remaining]),
    [
      ['dark', false, 0],
      ['real', true, 0],
    ],
  );
  const third = await limiter.checkLevels(levels);
  assert.equal(third.allowed, false, 'the real level is now empty');
  assert.equal(third.rule?.name, 'real');
  assert.equal(third.shadowDenied, false);
});
