// Redis goes away (Toxiproxy cuts the link) and comes back. The cache must keep answering from
// the loader without throwing, open its breaker, use L2 again after the restore, and hear
// invalidations again once its subscriber has reconnected.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { metricValue } from '@lab/metrics';
import { createCircuitBreaker } from '@lab/resilience';
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
import { Registry } from 'prom-client';
import { type Cache, createCache } from '../src/index.ts';

describe('cache through a Redis outage', () => {
  let redis: TestRedis;
  let proxy: FaultProxy;
  let proxied: Redis;
  let cache: Cache;
  let peer: Cache;
  const registry = new Registry();

  before(async () => {
    redis = await createTestRedis('cache-outage');
    proxy = await createFaultProxy('redis', hostPortOf(redis.url));
    // Fail fast instead of queueing: what a cache's connection should do in production too.
    proxied = new Redis(throughProxy(redis.url, proxy), {
      connectTimeout: 200,
      commandTimeout: 200,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
    });
    proxied.on('error', () => {});
    const breaker = createCircuitBreaker({
      name: 'outage-l2',
      window: { type: 'count', size: 20 },
      minimumCalls: 5,
      failureRateThreshold: 0.5,
      openDurationMs: 300,
      halfOpenPermits: 1,
      callTimeoutMs: 200,
      registry,
    });
    cache = createCache({ name: 'outage', redis: proxied, keyPrefix: redis.prefix, registry, breaker });
    peer = createCache({
      name: 'peer',
      redis: redis.connect(),
      keyPrefix: redis.prefix,
      registry: new Registry(),
    });
    await Promise.all([cache.ready(), peer.ready()]);
  });

  after(async () => {
    await cache.close();
    await peer.close();
    proxied.disconnect();
    await proxy.remove();
    await redis.cleanup();
  });

  it('reads from the loader while Redis is cut, opens the breaker, and recovers after restore', async () => {
    const admin = redis.connect();
    const stored = (key: string) => admin.get(`${redis.prefix}k:${key}`);
    assert.equal(await cache.getOrLoad('before', async () => 'b'), 'b');
    assert.notEqual(await stored('before'), null, 'healthy: the value is in L2');

    await proxy.cut();
    let loads = 0;
    for (let i = 0; i < 30; i += 1) {
      const value = await cache.getOrLoad(`during-${i}`, async () => {
        loads += 1;
        return `d${i}`;
      });
      assert.equal(value, `d${i}`);
    }
    assert.equal(loads, 30, 'every read fell through to the loader, none threw');
    assert.ok(
      (await metricValue(registry, 'circuit_breaker_transitions_total', {
        name: 'outage-l2',
        to: 'open',
      })) >= 1,
    );
    assert.ok((cache.breaker?.snapshot().totals.rejected ?? 0) > 0, 'the open breaker failed calls fast');

    // L1 and single-flight still protect the database while Redis is away.
    let hotLoads = 0;
    const hot = async () => {
      hotLoads += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 'hot';
    };
    const values = await Promise.all(Array.from({ length: 100 }, () => cache.getOrLoad('hot', hot)));
    assert.ok(values.every((v) => v === 'hot'));
    assert.equal(await cache.getOrLoad('hot', hot), 'hot');
    assert.equal(hotLoads, 1);

    await proxy.restore();
    let n = 0;
    await waitUntil(
      async () => {
        n += 1;
        await cache.getOrLoad(`after-${n}`, async () => 'a');
        return (await stored(`after-${n}`)) !== null;
      },
      { timeoutMs: 10_000, intervalMs: 50, message: 'writes reach L2 again' },
    );
    assert.equal(cache.breaker?.state, 'closed');

    // The subscriber reconnected: after its resync (L1 cleared), a peer's write drops our copy again.
    await waitUntil(
      async () => (await metricValue(registry, 'cache_invalidations_total', { kind: 'resync' })) >= 1,
      {
        timeoutMs: 10_000,
        message: 'subscriber resynced',
      },
    );
    assert.equal(await cache.getOrLoad('shared', async () => 'old'), 'old');
    await peer.set('shared', 'new');
    await waitUntil(async () => (await cache.get('shared')) === 'new', {
      timeoutMs: 1_000,
      intervalMs: 10,
      message: 'invalidation received after reconnect',
    });
  });
});
