// @lab/cache against real Redis: several cache instances, each on its own connection, sharing
// one key prefix, as replicas of a service would.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { metricValue } from '@lab/metrics';
import { createTestRedis, type TestRedis, waitUntil } from '@lab/testkit';
import { Registry } from 'prom-client';
import type { Cache } from '../src/index.ts';
import { cacheOn, slowLoader } from './helpers.ts';

describe('cache on real Redis', () => {
  let redis: TestRedis;
  const opened: Cache[] = [];
  const open = (name: string, options: Parameters<typeof cacheOn>[2] = {}) => {
    const cache = cacheOn(redis, name, options);
    opened.push(cache);
    return cache;
  };

  before(async () => {
    redis = await createTestRedis('cache');
  });
  after(async () => {
    await Promise.all(opened.map((cache) => cache.close()));
    await redis.cleanup();
  });

  it('runs the loader exactly once for 1,000 concurrent calls on one cold key over 3 instances', async () => {
    const registries = [new Registry(), new Registry(), new Registry()];
    const caches = registries.map((registry, i) => open(`stampede-${i}`, { registry }));
    await Promise.all(caches.map((cache) => cache.ready()));
    const loader = slowLoader(() => ({ id: 'cold', at: Date.now() }), 50);
    const results = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => (caches[i % 3] as Cache).getOrLoad('cold', loader)),
    );
    assert.equal(loader.runs, 1);
    assert.ok(results.every((value) => JSON.stringify(value) === JSON.stringify(results[0])));
    const sum = async (name: string, labels: Record<string, string>) =>
      (await Promise.all(registries.map((r) => metricValue(r, name, labels)))).reduce((a, b) => a + b);
    // The calls are issued in one synchronous loop, so each instance's first call starts its flight
    // and every later call joins it: one flight per instance, whatever the scheduling.
    assert.equal(await sum('cache_coalesced_total', {}), 997, 'the rest joined their instance’s flight');
    // Whether the other two instances found the lock held (and waited) or the value already written
    // depends on scheduling; either way none of them gave up waiting and loaded a second time.
    assert.equal(await sum('cache_lock_waits_total', { result: 'timed_out' }), 0);
    assert.equal(await sum('cache_lock_waits_total', { result: 'acquired' }), 0);
    assert.equal(await sum('cache_loads_total', {}), 1);
  });

  it('an invalidation from one instance removes the L1 copy in the others', async () => {
    const [a, b, c] = [open('inv-a'), open('inv-b'), open('inv-c')];
    await Promise.all([a, b, c].map((cache) => cache.ready()));
    for (const cache of [a, b, c]) {
      assert.equal(await cache.getOrLoad('link', async () => 'v1'), 'v1');
      assert.equal(await cache.getOrLoad('gone', async () => 'here'), 'here');
    }
    // Write-through: the writer updates both layers, the others drop their L1 copy and re-read L2.
    await a.set('link', 'v2');
    // Pub/sub delivery takes what it takes on a busy machine: poll for the outcome, bounded.
    await waitUntil(async () => (await b.get('link')) === 'v2' && (await c.get('link')) === 'v2', {
      intervalMs: 5,
      message: 'b and c see v2',
    });
    await a.delete('gone');
    await waitUntil(async () => (await b.get('gone')) === undefined && (await c.get('gone')) === undefined, {
      intervalMs: 5,
      message: 'b and c dropped the deleted key',
    });
  });

  it('namespace bumps and tag invalidations reach every instance', async () => {
    const [a, b] = [open('grp-a'), open('grp-b')];
    await Promise.all([a.ready(), b.ready()]);
    let version = 0;
    const loader = async () => `v${version}`;
    assert.equal(await b.getOrLoad('feed', loader, { namespace: 'user-9' }), 'v0');
    assert.equal(await b.getOrLoad('post', loader, { tags: ['author.3'] }), 'v0');
    version = 1;
    await a.invalidateNamespace('user-9');
    await a.invalidateTag('author.3');
    await waitUntil(
      async () =>
        (await b.getOrLoad('feed', loader, { namespace: 'user-9' })) === 'v1' &&
        (await b.getOrLoad('post', loader, { tags: ['author.3'] })) === 'v1',
      { intervalMs: 5, message: 'b reloads both groups' },
    );
  });

  it('refreshes early under steady reads (XFetch) so the key never goes missing', async () => {
    const registry = new Registry();
    // β = 4 with a 50 ms load starts refreshes a few hundred ms before expiry, well ahead of
    // timer jitter on a busy machine; the default β = 1 suits loads that take longer than reads are apart.
    const cache = open('xfetch', { registry, ttlMs: 500, ttlJitter: 0, earlyRefresh: { beta: 4 } });
    const loads: { start: number; end: number }[] = [];
    const loader = async () => {
      const start = Date.now();
      await sleep(50);
      loads.push({ start, end: Date.now() });
      return 'value';
    };
    const until = Date.now() + 2_000;
    while (Date.now() < until) {
      assert.equal(await cache.getOrLoad('hot', loader), 'value');
      await sleep(10);
    }
    await sleep(100); // let a refresh that just started finish
    assert.ok(loads.length >= 3, `refreshed ${loads.length - 1} times`);
    for (let i = 1; i < loads.length; i += 1) {
      const previous = loads[i - 1] as { end: number };
      assert.ok(
        (loads[i] as { start: number }).start < previous.end + 500,
        `refresh ${i} started before expiry`,
      );
    }
    assert.equal(await metricValue(registry, 'cache_requests_total', { layer: 'l1', result: 'miss' }), 1);
    assert.equal(await metricValue(registry, 'cache_requests_total', { layer: 'l1', result: 'stale' }), 0);
    assert.equal(await metricValue(registry, 'cache_early_refreshes_total', {}), loads.length - 1);
  });

  it('serves the stale value when the loader fails, from L1 and from L2', async () => {
    const options = { ttlMs: 100, ttlJitter: 0, graceMs: 30_000, earlyRefresh: false as const };
    const warm = open('stale-a', options);
    assert.equal(await warm.getOrLoad('price', async () => 42), 42);
    await sleep(150);
    const failing = async (): Promise<number> => {
      throw new Error('database down');
    };
    assert.equal(await warm.getOrLoad('price', failing), 42, 'stale copy from L1');
    const registry = new Registry();
    const cold = open('stale-b', { ...options, registry });
    assert.equal(
      await cold.getOrLoad('price', failing),
      42,
      'stale copy from L2 on an instance with an empty L1',
    );
    assert.equal(await metricValue(registry, 'cache_stale_served_total', { reason: 'error' }), 1);
  });

  it('caches "not found" so repeated lookups of an unknown key do not reach the loader', async () => {
    const [a, b] = [open('neg-a'), open('neg-b')];
    let loads = 0;
    const loader = async () => {
      loads += 1;
      return a.notFound();
    };
    for (let i = 0; i < 50; i += 1) {
      assert.equal(await (i % 2 ? a : b).getOrLoad('no-such-id', loader), undefined);
    }
    assert.equal(loads, 1, 'the second instance read the negative entry from L2');
  });

  it('does not hold a value the serializer rejects against Redis', async () => {
    const registry = new Registry();
    const cache = open('unserializable', { registry });
    // JSON.stringify throws on a BigInt: the value stays in L1 only, and Redis is not to blame.
    assert.equal(await cache.getOrLoad('big', async () => 10n), 10n);
    await cache.set('bigger', 11n);
    assert.equal(await cache.get('bigger'), 11n);
    assert.equal(await metricValue(registry, 'cache_l2_errors_total', { op: 'set' }), 2);
    const totals = cache.breaker?.snapshot().totals;
    assert.equal(totals?.failure, 0, 'no Redis failure recorded');
    assert.equal(totals?.timeout, 0);
  });

  it('bounds the wait on a lock whose holder died, then loads itself', async () => {
    const registry = new Registry();
    const cache = open('dead-holder', { registry, lock: { waitMs: 100 } });
    const admin = redis.connect();
    await admin.set(`${redis.prefix}l:k:orphan`, 'someone-else', 'PX', 60_000);
    const loader = slowLoader(() => 'loaded anyway', 1);
    assert.equal(await cache.getOrLoad('orphan', loader), 'loaded anyway');
    assert.equal(loader.runs, 1);
    assert.equal(await metricValue(registry, 'cache_lock_waits_total', { result: 'timed_out' }), 1);
    // The write released no lock: the one there carries another token, so it is not ours to drop.
    assert.equal(await admin.get(`${redis.prefix}l:k:orphan`), 'someone-else');
  });
});
