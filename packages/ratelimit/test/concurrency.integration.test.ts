// The race the Lua scripts exist to prevent: 3 limiter instances (3 "gateway replicas", each on
// its own connection) fire 1,000 concurrent checks at one key. Every algorithm admits EXACTLY the
// limit; the naive GET-then-INCR limiter, deciding in Node between two round trips, over-admits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestRedis, type TestRedis } from '@lab/testkit';
import { naiveGetThenIncrLimiter } from '../src/demo.ts';
import { ALGORITHMS, type RateLimiter } from '../src/index.ts';
import { limiterOn, ready } from './support.ts';

const LIMIT = 100;
const REQUESTS = 1_000;
// A day-long window: refill, sliding and window edges stay far away during the test.
const WINDOW_MS = 24 * 3_600_000;

let redis: TestRedis;
let limiters: RateLimiter[];

before(async () => {
  redis = await createTestRedis('ratelimit-concurrency');
  const clients = await Promise.all([1, 2, 3].map(() => ready(redis.connect())));
  // No in-memory block and a generous timeout: every one of the 1,000 checks is decided by Redis.
  limiters = clients.map((client) =>
    limiterOn(client, redis.prefix, { localBlock: false, timeoutMs: 5_000 }),
  );
});
after(() => redis.cleanup());

for (const algorithm of ALGORITHMS) {
  test(`${algorithm}: 3 instances, ${REQUESTS} concurrent requests -> exactly ${LIMIT} admitted`, async () => {
    const rule = { name: `race-${algorithm}`, algorithm, limit: LIMIT, windowMs: WINDOW_MS };
    const results = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) => (limiters[i % 3] as RateLimiter).check(rule, 'hot-key')),
    );
    assert.ok(
      results.every((result) => result.source === 'redis'),
      'every decision came from Redis',
    );
    assert.equal(results.filter((result) => result.allowed).length, LIMIT);
  });
}

test(`naiveGetThenIncrLimiter: the same race admits more than ${LIMIT}`, async () => {
  const clients = await Promise.all([1, 2, 3].map(() => ready(redis.connect())));
  const naive = clients.map((client) =>
    naiveGetThenIncrLimiter(client, { limit: LIMIT, windowMs: WINDOW_MS, prefix: `${redis.prefix}naive:` }),
  );
  const results = await Promise.all(
    Array.from({ length: REQUESTS }, (_, i) => naive[i % 3]?.check('hot-key')),
  );
  const admitted = results.filter((result) => result?.allowed).length;
  assert.ok(admitted > LIMIT, `naive limiter admitted ${admitted}, expected more than ${LIMIT}`);
});
