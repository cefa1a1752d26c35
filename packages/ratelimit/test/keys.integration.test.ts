// One counter per (rule, key): whatever the shape of the check (one level or a hierarchy), and
// whoever asks, the same rule and key are the same Redis key, hash-tagged on their own. Run both
// ways a hierarchy can be decided: one atomic script (a standalone Redis) and one script per
// Cluster slot with refunds (`splitSlots`, what a Cluster client does), on the local Redis.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestRedis, type TestRedis, waitUntil } from '@lab/testkit';
import type { Level, RateLimiter, Rule } from '../src/index.ts';
import { limiterOn, metricValue, ready } from './support.ts';

const MINUTE = 60_000;

let redis: TestRedis;

before(async () => {
  redis = await createTestRedis('ratelimit-keys');
});
after(() => redis.cleanup());

for (const splitSlots of [false, true]) {
  describe(splitSlots ? 'one script per slot, with refunds' : 'one atomic script', () => {
    let limiter: RateLimiter;
    const mode = splitSlots ? 'split' : 'atomic';
    before(async () => {
      limiter = limiterOn(await ready(redis.connect()), redis.prefix, { localBlock: false, splitSlots });
    });

    test('a single-level check and a hierarchical check of one rule and key share one counter', async () => {
      const user: Rule = { name: `user-${mode}`, algorithm: 'fixed-window', limit: 3, windowMs: MINUTE };
      const endpoint: Rule = { name: `endpoint-${mode}`, algorithm: 'gcra', limit: 100, windowMs: MINUTE };
      assert.equal((await limiter.check(user, 'ann')).remaining, 2);
      const both = await limiter.checkLevels([
        { rule: endpoint, key: 'ann/GET' },
        { rule: user, key: 'ann' },
      ]);
      assert.equal(both.levels.find((level) => level.rule === user)?.remaining, 1);
      assert.equal((await limiter.check(user, 'ann')).remaining, 0);
      assert.equal((await limiter.check(user, 'ann')).allowed, false);
      const admin = await ready(redis.connect());
      const keys = await admin.keys(`${redis.prefix}{user-${mode}:*`);
      assert.deepEqual(keys, [`${redis.prefix}{user-${mode}:ann}:fw`], 'one key, whatever the check');
    });

    test('two tenants drain one global level', async () => {
      const global: Rule = {
        name: `global-${mode}`,
        algorithm: 'sliding-window-counter',
        limit: 3,
        windowMs: MINUTE,
      };
      const tenant: Rule = { name: `tenant-${mode}`, algorithm: 'token-bucket', limit: 10, windowMs: MINUTE };
      const levelsOf = (id: string): Level[] => [
        { rule: global, key: 'all' },
        { rule: tenant, key: id },
      ];
      assert.equal((await limiter.checkLevels(levelsOf('acme'))).allowed, true);
      assert.equal((await limiter.checkLevels(levelsOf('acme'))).allowed, true);
      assert.equal((await limiter.checkLevels(levelsOf('beta'))).allowed, true);
      for (const id of ['acme', 'beta', 'gamma']) {
        const refused = await limiter.checkLevels(levelsOf(id));
        assert.equal(refused.allowed, false, `${id} is refused: the global level is spent`);
        assert.equal(refused.rule, global);
      }
    });

    test('a refused hierarchy leaves every other level as it was', async () => {
      const wide: Rule = { name: `wide-${mode}`, algorithm: 'token-bucket', limit: 5, windowMs: MINUTE };
      const narrow: Rule = { name: `narrow-${mode}`, algorithm: 'fixed-window', limit: 1, windowMs: MINUTE };
      const log: Rule = { name: `log-${mode}`, algorithm: 'sliding-window-log', limit: 5, windowMs: MINUTE };
      const window: Rule = {
        name: `swc-${mode}`,
        algorithm: 'sliding-window-counter',
        limit: 5,
        windowMs: MINUTE,
      };
      const rate: Rule = { name: `gcra-${mode}`, algorithm: 'gcra', limit: 5, windowMs: MINUTE };
      const meter: Rule = { name: `leaky-${mode}`, algorithm: 'leaky-bucket', limit: 5, windowMs: MINUTE };
      const others = [wide, log, window, rate, meter];
      const levels: Level[] = [{ rule: narrow, key: 'k' }, ...others.map((rule) => ({ rule, key: 'k' }))];
      const first = await limiter.checkLevels(levels);
      assert.equal(first.allowed, true);
      for (let i = 0; i < 3; i += 1) {
        const refused = await limiter.checkLevels(levels);
        assert.equal(refused.allowed, false);
        assert.equal(refused.rule, narrow);
      }
      // Each of the other levels was charged once (by the first check) and no more: the next
      // single-level check of each sees 5 - 1 - 1 = 3 left.
      for (const rule of others) {
        const alone = await limiter.check(rule, 'k');
        assert.equal(alone.allowed, true, rule.name);
        assert.equal(alone.remaining, 3, `${rule.name}: the refusals were refunded or never charged`);
      }
    });

    test('every key is hash-tagged by its own rule and key', async () => {
      const a: Rule = { name: `slot-a-${mode}`, algorithm: 'fixed-window', limit: 9, windowMs: MINUTE };
      const b: Rule = { name: `slot-b-${mode}`, algorithm: 'gcra', limit: 9, windowMs: MINUTE };
      await limiter.checkLevels([
        { rule: a, key: 'x' },
        { rule: b, key: 'y' },
      ]);
      const admin = await ready(redis.connect());
      assert.equal(await admin.exists(`${redis.prefix}{slot-a-${mode}:x}:fw`), 1);
      assert.equal(await admin.exists(`${redis.prefix}{slot-b-${mode}:y}:gcra`), 1);
    });
  });
}

test('one script per slot: a level whose call fails refunds the others, and the fail mode decides', async () => {
  const client = await ready(redis.connect());
  const limiter = limiterOn(client, redis.prefix, { localBlock: false, splitSlots: true, breaker: false });
  const good: Rule = { name: 'refund-good', algorithm: 'token-bucket', limit: 5, windowMs: MINUTE };
  const broken: Rule = { name: 'refund-broken', algorithm: 'fixed-window', limit: 5, windowMs: MINUTE };
  // A string where the fixed window keeps a hash: Redis answers that level with WRONGTYPE.
  await client.set(`${redis.prefix}{refund-broken:k}:fw`, 'not a hash');
  const result = await limiter.checkLevels([
    { rule: good, key: 'k' },
    { rule: broken, key: 'k' },
  ]);
  assert.equal(result.source, 'fail-open');
  await waitUntil(
    async () => (await metricValue(limiter.registry, 'ratelimit_refunds_total', { outcome: 'ok' })) === 1,
    {
      timeoutMs: 5_000,
      message: 'the grant of the level that admitted is refunded',
    },
  );
  assert.equal(
    (await limiter.check(good, 'k')).remaining,
    4,
    'the failed check left the good level untouched',
  );
});
