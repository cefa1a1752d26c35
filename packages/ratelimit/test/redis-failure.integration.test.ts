// Redis trouble through Toxiproxy: the link cut, then Redis "up" but answering after a second.
// Every decision must follow the rule's fail mode (or the insurance limiter) within 50 ms, never
// hang; the breaker opens so later checks do not even try; after the restore Redis decides again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createFaultProxy,
  createTestRedis,
  type FaultProxy,
  hostPortOf,
  type TestRedis,
  throughProxy,
  waitUntil,
} from '@lab/testkit';
import { Redis } from 'ioredis';
import type { LimitResult, RateLimiter, Rule } from '../src/index.ts';
import { limiterOn, metricValue, ready } from './support.ts';

const BOUND_MS = 50;
const openRule: Rule = {
  name: 'open',
  algorithm: 'token-bucket',
  limit: 1_000,
  windowMs: 60_000,
  failMode: 'open',
};
const closedRule: Rule = {
  name: 'closed',
  algorithm: 'token-bucket',
  limit: 1_000,
  windowMs: 60_000,
  failMode: 'closed',
};
const insuredRule: Rule = {
  name: 'insured',
  algorithm: 'sliding-window-counter',
  limit: 5,
  windowMs: 60_000,
};

let redis: TestRedis;
let proxy: FaultProxy;
let client: Redis;
let open: RateLimiter & { registry: import('prom-client').Registry };
let closed: RateLimiter;
let insured: RateLimiter;
/** No breaker: every check during a hang waits out the time limit alone. */
let unguarded: RateLimiter;

before(async () => {
  redis = await createTestRedis('ratelimit-failure');
  proxy = await createFaultProxy('redis', hostPortOf(redis.url));
  // The settings that make failure fast: no offline queue (a command while disconnected fails at
  // once instead of waiting for the reconnect), no per-command retries, quick reconnects.
  client = new Redis(throughProxy(redis.url, proxy), {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
    retryStrategy: () => 50,
  });
  client.on('error', () => {});
  await ready(client);
  const shared = {
    timeoutMs: 20,
    breaker: {
      window: { type: 'count' as const, size: 10 },
      minimumCalls: 3,
      openDurationMs: 200,
      halfOpenPermits: 1,
    },
  };
  open = limiterOn(client, redis.prefix, { name: 'open', ...shared });
  closed = limiterOn(client, redis.prefix, { name: 'closed', ...shared });
  insured = limiterOn(client, redis.prefix, { name: 'insured', insurance: true, ...shared });
  unguarded = limiterOn(client, redis.prefix, {
    name: 'unguarded',
    timeoutMs: shared.timeoutMs,
    breaker: false,
  });
});

after(async () => {
  await proxy.remove();
  client.disconnect();
  await redis.cleanup();
});

async function timed(check: Promise<LimitResult>): Promise<{ result: LimitResult; ms: number }> {
  const started = performance.now();
  const result = await check;
  return { result, ms: performance.now() - started };
}

async function everyModeHolds(label: string): Promise<void> {
  for (let i = 0; i < 10; i += 1) {
    const a = await timed(open.check(openRule, 'k'));
    assert.equal(a.result.allowed, true, `${label}: fail-open allows`);
    assert.equal(a.result.source, 'fail-open');
    assert.ok(a.ms < BOUND_MS, `${label}: fail-open decided in ${a.ms.toFixed(1)} ms`);
    const b = await timed(closed.check(closedRule, 'k'));
    assert.equal(b.result.allowed, false, `${label}: fail-closed refuses`);
    assert.equal(b.result.source, 'fail-closed');
    assert.ok(b.result.retryAfterMs > 0);
    assert.ok(b.ms < BOUND_MS, `${label}: fail-closed decided in ${b.ms.toFixed(1)} ms`);
  }
}

async function recovers(): Promise<void> {
  for (const [limiter, rule] of [
    [open, openRule],
    [closed, closedRule],
    [insured, insuredRule],
  ] as const) {
    await waitUntil(async () => (await limiter.check(rule, 'after')).source === 'redis', {
      timeoutMs: 10_000,
      message: `${limiter.name} decides with Redis again`,
    });
  }
  assert.equal(open.breaker?.state, 'closed');
}

describe('Redis cut', () => {
  test('decisions follow the fail mode within 50 ms; the insurance limiter takes over', async () => {
    assert.equal((await open.check(openRule, 'k')).source, 'redis');
    await proxy.cut();
    await everyModeHolds('cut');
    // Insurance: an in-memory limit of the same size, enforced on this instance alone.
    const decisions: LimitResult[] = [];
    for (let i = 0; i < 8; i += 1) {
      const { result, ms } = await timed(insured.check(insuredRule, 'insured-key'));
      assert.ok(ms < BOUND_MS, `insurance decided in ${ms.toFixed(1)} ms`);
      decisions.push(result);
    }
    assert.ok(decisions.every((d) => d.source === 'insurance'));
    assert.equal(decisions.filter((d) => d.allowed).length, 5);
    assert.ok((await metricValue(open.registry, 'ratelimit_redis_errors_total', { limiter: 'open' })) > 0);
  });

  test('after the restore Redis decides again', async () => {
    await proxy.restore();
    await recovers();
  });
});

describe('Redis hanging (answers after 1 s)', () => {
  test('the time limit and then the open breaker keep every decision under 50 ms', async () => {
    await proxy.addLatency(1_000);
    await everyModeHolds('latency');
    // A few timeouts (enough for the failure rate over minimumCalls) open the breaker: later checks
    // do not wait for the time limit at all.
    assert.equal(open.breaker?.state, 'open');
    const timeouts = await metricValue(open.registry, 'ratelimit_redis_errors_total', {
      limiter: 'open',
      reason: 'timeout',
    });
    const rejected = await metricValue(open.registry, 'ratelimit_redis_errors_total', {
      limiter: 'open',
      reason: 'circuit_open',
    });
    assert.ok(timeouts >= 1 && rejected > 0, `timeouts ${timeouts}, fast rejections ${rejected}`);
  });

  test('the time limit alone, with no breaker to open, decides every check within 50 ms', async () => {
    for (let i = 0; i < 5; i += 1) {
      const { result, ms } = await timed(unguarded.check(openRule, 'unguarded'));
      assert.equal(result.source, 'fail-open');
      assert.ok(ms < BOUND_MS, `time limit decided in ${ms.toFixed(1)} ms`);
    }
  });

  test('after the restore Redis decides again', async () => {
    await proxy.restore();
    await recovers();
  });
});
