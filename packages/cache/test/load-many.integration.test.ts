// getOrLoadMany against real Redis, with instances on their own connections as replicas would be:
// L1, then L2, then one loader call for the misses; the cross-instance lock per key (a batch
// waits for keys another instance is loading); invalidation racing a batched load. Interleavings
// are forced with latches and by watching Redis for the lock a step takes, never by sleeping.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { metricValue } from '@lab/metrics';
import { createTestRedis, type TestRedis, waitUntil } from '@lab/testkit';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { type BatchLoader, type Cache, CacheOptionsError, MAX_BATCH_KEYS } from '../src/index.ts';
import { cacheOn, latch } from './helpers.ts';

/** A batch loader over a Map "table" that records the keys of every call. */
function tableLoader(table: Map<string, string>, gate?: Promise<void>) {
  const calls: string[][] = [];
  const started = latch();
  const loader: BatchLoader<string> = async (keys) => {
    calls.push([...keys]);
    const rows = new Map(keys.filter((key) => table.has(key)).map((key) => [key, table.get(key) as string]));
    started.open();
    if (gate) await gate;
    return rows;
  };
  return { loader, calls, started: started.promise };
}

describe('getOrLoadMany on real Redis', () => {
  let redis: TestRedis;
  let admin: Redis;
  const opened: Cache[] = [];
  const subscribers: Redis[] = [];
  const open = async (name: string, options: Parameters<typeof cacheOn>[2] = {}) => {
    const cache = cacheOn(redis, name, options);
    opened.push(cache);
    await cache.ready();
    return cache;
  };
  const stored = (key: string) => admin.get(`${redis.prefix}k:${key}`);

  before(async () => {
    redis = await createTestRedis('cache-many');
    admin = redis.connect();
  });
  after(async () => {
    // A failed race test would otherwise leave close() waiting on a paused subscriber's UNSUBSCRIBE.
    for (const subscriber of subscribers) subscriber.stream.resume();
    await Promise.all(opened.map((cache) => cache.close()));
    await redis.cleanup();
  });

  it('answers in order from L1, then L2, and loads only the rest, in one call', async () => {
    const table = new Map([
      ['p1', 'one'],
      ['p2', 'two'],
      ['p3', 'three'],
    ]);
    const registry = new Registry();
    const a = await open('order-a');
    const b = await open('order-b', { registry });
    assert.equal(await a.getOrLoad('p1', async () => 'one'), 'one'); // in L2 (and a's L1)
    assert.equal(await b.getOrLoad('p2', async () => 'two'), 'two'); // in b's L1 and L2
    const { loader, calls } = tableLoader(table);
    const values = await b.getOrLoadMany(['p3', 'p1', 'p2', 'p404', 'p3'], loader);
    assert.deepEqual(values, ['three', 'one', 'two', undefined, 'three']);
    assert.deepEqual(calls, [['p3', 'p404']], 'one loader call, for the keys nobody had');
    assert.equal(await metricValue(registry, 'cache_requests_total', { layer: 'l2', result: 'hit' }), 1);
    // Everything is cached now, "not found" included.
    assert.deepEqual(await a.getOrLoadMany(['p404', 'p3'], loader), [undefined, 'three']);
    assert.equal(calls.length, 1);
    assert.match((await stored('p3')) ?? '', /"three"$/);
  });

  it('waits for keys another instance is loading, and loads only its own', async () => {
    const table = new Map(['wa', 'wb', 'wc', 'wd'].map((key) => [key, `row-${key}`]));
    const gate = latch();
    // A generous lock wait: the test releases the first batch as soon as the second one is waiting.
    const options = { lock: { waitMs: 30_000 } };
    const [a, b] = [await open('wait-a', options), await open('wait-b', options)];
    const first = tableLoader(table, gate.promise);
    const second = tableLoader(table);
    const pendingA = a.getOrLoadMany(['wa', 'wb', 'wc'], first.loader);
    await first.started; // a holds the locks of wa, wb, wc and is inside its loader
    const joined = a.getOrLoad('wb', async () => assert.fail('joins the batch flight instead'));
    const pendingB = b.getOrLoadMany(['wb', 'wc', 'wd'], second.loader);
    // b has taken the lock of wd (which nobody held), so it has seen wb and wc busy and is polling.
    await waitUntil(async () => (await admin.exists(`${redis.prefix}l:k:wd`)) === 1, {
      intervalMs: 5,
      message: "b took wd's lock",
    });
    assert.deepEqual(second.calls, [], 'b does not load before the wait ends');
    gate.open();
    assert.deepEqual(await pendingA, ['row-wa', 'row-wb', 'row-wc']);
    assert.deepEqual(await pendingB, ['row-wb', 'row-wc', 'row-wd']);
    assert.equal(await joined, 'row-wb');
    assert.deepEqual(first.calls, [['wa', 'wb', 'wc']]);
    assert.deepEqual(second.calls, [['wd']], 'b loaded only the key nobody was loading');
  });

  it('an invalidation beats a batched load in flight, key by key', async () => {
    const subscriberA = redis.connect();
    subscribers.push(subscriberA);
    const a = await open('race-a', { subscriber: subscriberA });
    const b = await open('race-b');
    let version = 'v1';
    const reading = latch();
    const release = latch();
    subscriberA.stream.pause(); // a hears of the invalidation only after its write (see invalidation-race)
    const pending = a.getOrLoadMany(['rx', 'ry'], async (keys) => {
      const rows = new Map(keys.map((key) => [key, `${key}-${version}`]));
      reading.open();
      await release.promise;
      return rows;
    });
    await reading.promise;
    version = 'v2';
    await b.delete('rx');
    release.open();
    assert.deepEqual(await pending, ['rx-v1', 'ry-v1'], 'the caller gets what its loader read');
    assert.equal(await stored('rx'), null, 'the invalidated key was not written back');
    assert.match((await stored('ry')) ?? '', /"ry-v1"$/, 'the other key was');
    assert.equal(await a.get('rx'), undefined, "nor kept in a's L1");
    assert.equal(await a.get('ry'), 'ry-v1');
    subscriberA.stream.resume();
    assert.deepEqual(
      await b.getOrLoadMany(
        ['rx', 'ry'],
        async (keys) => new Map(keys.map((key) => [key, `${key}-${version}`])),
      ),
      ['rx-v2', 'ry-v1'],
    );
  });

  it('hands a failed load to every caller, without caching anything', async () => {
    const cache = await open('fail');
    await assert.rejects(
      cache.getOrLoadMany(['f1', 'f2'], async () => {
        throw new Error('database down');
      }),
      /database down/,
    );
    assert.equal(await stored('f1'), null);
    assert.equal(await admin.exists(`${redis.prefix}l:k:f1`), 0, 'the locks were released');
    assert.deepEqual(
      await cache.getOrLoadMany(['f1', 'f2'], async (keys) => new Map(keys.map((key) => [key, key]))),
      ['f1', 'f2'],
    );
  });

  it('refuses bad input before touching Redis', async () => {
    const cache = await open('input');
    const loader = async () => new Map<string, string>();
    assert.deepEqual(await cache.getOrLoadMany([], loader), []);
    await assert.rejects(
      cache.getOrLoadMany(
        Array.from({ length: MAX_BATCH_KEYS + 1 }, (_, i) => `k${i}`),
        loader,
      ),
      CacheOptionsError,
    );
    await assert.rejects(cache.getOrLoadMany([''], loader), CacheOptionsError);
    await assert.rejects(cache.getOrLoadMany(['k'], 'nope' as never), CacheOptionsError);
    await assert.rejects(
      cache.getOrLoadMany(['not-a-map'], async () => ({ 'not-a-map': 1 }) as never),
      CacheOptionsError,
    );
  });
});
