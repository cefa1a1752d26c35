// Each algorithm's contract against real Redis: exactly `limit` at the limit, refusals consume
// nothing, cost is weighted, and quota comes back after the reported retry / reset times.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestRedis, type TestRedis } from '@lab/testkit';
import type { Redis } from 'ioredis';
import { ALGORITHMS, type Algorithm, type RateLimiter, type Rule } from '../src/index.ts';
import { limiterOn, ready, redisNowMs, sleep, untilRedisTime } from './support.ts';

let redis: TestRedis;
let limiter: RateLimiter;
/** A second connection that reads Redis's clock. */
let admin: Redis;

before(async () => {
  redis = await createTestRedis('ratelimit-algorithms');
  limiter = limiterOn(await ready(redis.connect()), redis.prefix);
  admin = await ready(redis.connect());
});
after(() => redis.cleanup());

// The sliding counter may have to wait for the next window and part of it: up to two windows.
const maxRetry = (algorithm: Algorithm, windowMs: number) =>
  algorithm === 'sliding-window-counter' ? 2 * windowMs : windowMs;

const rule = (algorithm: Algorithm, limit: number, windowMs: number, name = 'contract'): Rule => ({
  name,
  algorithm,
  limit,
  windowMs,
});

for (const algorithm of ALGORITHMS) {
  describe(algorithm, () => {
    test('admits exactly the limit, then refuses without consuming', async () => {
      // A minute-long window: refill during the test is far below one unit.
      const policy = rule(algorithm, 5, 60_000);
      const key = `limit-${algorithm}`;
      for (let i = 1; i <= 5; i += 1) {
        const result = await limiter.check(policy, key);
        assert.equal(result.allowed, true, `request ${i}`);
        assert.equal(result.remaining, 5 - i);
        assert.equal(result.limit, 5);
        assert.equal(result.retryAfterMs, 0);
        assert.equal(result.source, 'redis');
      }
      for (let i = 0; i < 3; i += 1) {
        const refused = await limiter.check(policy, key);
        assert.equal(refused.allowed, false);
        assert.equal(refused.remaining, 0);
        assert.ok(
          refused.retryAfterMs > 0 && refused.retryAfterMs <= maxRetry(algorithm, 60_000),
          `retryAfter ${refused.retryAfterMs}`,
        );
        assert.ok(refused.resetMs >= refused.retryAfterMs, 'full reset is never sooner than the next unit');
      }
      limiter.clearLocalBlocks();
    });

    test('weighs requests by cost and refuses a cost that does not fit', async () => {
      const policy = rule(algorithm, 5, 60_000, 'cost');
      const key = `cost-${algorithm}`;
      assert.equal((await limiter.check(policy, key, { cost: 2 })).remaining, 3);
      assert.equal((await limiter.check(policy, key, { cost: 2 })).remaining, 1);
      const tooBig = await limiter.check(policy, key, { cost: 2 });
      assert.equal(tooBig.allowed, false);
      assert.equal(tooBig.remaining, 1, 'the refused request took nothing');
      // A cheaper request is not caught by the in-memory block of the dearer one.
      const fits = await limiter.check(policy, key, { cost: 1 });
      assert.equal(fits.allowed, true);
      assert.equal(fits.remaining, 0);
      await assert.rejects(limiter.check(policy, key, { cost: 6 }), { code: 'COST_EXCEEDS_LIMIT' });
      await assert.rejects(limiter.check(policy, key, { cost: 0 }), { code: 'INVALID_COST' });
      limiter.clearLocalBlocks();
    });

    test('admits again after the reported retry time, and fully after the reset', async () => {
      // Was: three admissions then "the fourth is refused", then host sleeps of retryAfter + 25 ms.
      // Under load the admissions spread over more than one refill interval (200 ms here), so the
      // fourth could be admitted, and a host sleep is not Redis's clock. Now: drain until Redis
      // refuses, then wait on Redis's own clock (TIME) for the times it reported.
      const policy = rule(algorithm, 3, 600, 'reset');
      const key = `reset-${algorithm}`;
      let admitted = 0;
      let refused = await limiter.check(policy, key);
      for (; refused.allowed && admitted < 100; refused = await limiter.check(policy, key)) admitted += 1;
      assert.equal(refused.allowed, false, 'refused once the quota is spent');
      assert.equal(refused.source, 'redis');
      assert.ok(admitted >= 3, `admitted ${admitted} before the first refusal`);
      assert.ok(refused.retryAfterMs > 0, `retryAfter ${refused.retryAfterMs}`);
      assert.ok(refused.retryAfterMs <= maxRetry(algorithm, 600), `retryAfter ${refused.retryAfterMs}`);
      // The refusal was decided at or before this reading of Redis's clock; the in-memory block
      // runs on the host clock, so the host waits the retry time too.
      const refusedBy = await redisNowMs(admin);
      await sleep(refused.retryAfterMs);
      await untilRedisTime(admin, refusedBy + refused.retryAfterMs + 1);
      const again = await limiter.check(policy, key);
      assert.equal(again.allowed, true, `allowed after retryAfter (${refused.retryAfterMs} ms)`);
      assert.equal(again.source, 'redis');
      const admittedBy = await redisNowMs(admin);
      await untilRedisTime(admin, admittedBy + again.resetMs + 1);
      const fresh = await limiter.check(policy, key);
      assert.equal(fresh.allowed, true);
      assert.equal(fresh.source, 'redis');
      assert.equal(fresh.remaining, 2, 'a full quota after the reset time');
    });
  });
}

test('keys are independent and carry a hash tag per rule and key', async () => {
  const policy = rule('fixed-window', 1, 60_000, 'independent');
  assert.equal((await limiter.check(policy, 'a')).allowed, true);
  assert.equal((await limiter.check(policy, 'b')).allowed, true);
  assert.equal((await limiter.check(policy, 'a')).allowed, false);
  const admin = await ready(redis.connect());
  const keys = await admin.keys(`${redis.prefix}{independent:*`);
  assert.deepEqual(keys.sort(), [`${redis.prefix}{independent:a}:fw`, `${redis.prefix}{independent:b}:fw`]);
});

test('bad rules and keys are refused before Redis', async () => {
  await assert.rejects(limiter.check(rule('fixed-window', 0, 1000), 'k'), { code: 'INVALID_RULE' });
  await assert.rejects(
    limiter.check({ ...rule('fixed-window', 1, 1000), algorithm: 'nope' as Algorithm }, 'k'),
    {
      code: 'INVALID_RULE',
    },
  );
  await assert.rejects(limiter.check(rule('fixed-window', 1, 1000), 'x'.repeat(10_000)), {
    code: 'INVALID_KEY',
  });
  await assert.rejects(limiter.check(rule('fixed-window', 1, 1000), ''), { code: 'INVALID_KEY' });
});
