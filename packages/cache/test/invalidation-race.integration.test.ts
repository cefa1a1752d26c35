// An invalidation must beat every load that started before it, on every instance (memcache's
// lease problem). Each case runs one interleaving on purpose, with no sleeps:
//   instance A's loader reads the "database" (v1) and parks on a latch;
//   the row changes to v2 and instance B invalidates (delete, set or tag), on its own connection;
//   A's loader is released and returns what it read (v1).
// A's pub/sub connection is paused across that window (its socket stops reading, so the message
// waits in the kernel), which is the case the flight's `invalidated` flag cannot cover: a message
// that arrives after the write. The fence in Redis must refuse A's write on its own.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { metricValue } from '@lab/metrics';
import { createTestRedis, type TestRedis, waitUntil } from '@lab/testkit';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { Cache, WriteOptions } from '../src/index.ts';
import { cacheOn, latch } from './helpers.ts';

describe('an invalidation beats a load in flight', () => {
  let redis: TestRedis;
  let admin: Redis;
  const opened: Cache[] = [];
  const subscribers: Redis[] = [];

  before(async () => {
    redis = await createTestRedis('cache-race');
    admin = redis.connect();
  });
  after(async () => {
    // A test that failed between pause and resume would leave close() waiting on UNSUBSCRIBE.
    for (const subscriber of subscribers) subscriber.stream.resume();
    await Promise.all(opened.map((cache) => cache.close()));
    await redis.cleanup();
  });

  /** Two instances on their own connections; A's subscriber can be paused. */
  async function pair(name: string, options: Parameters<typeof cacheOn>[2] = {}) {
    const subscriberA = redis.connect();
    subscribers.push(subscriberA);
    const registryA = new Registry();
    const a = cacheOn(redis, `${name}-a`, { ...options, subscriber: subscriberA, registry: registryA });
    const b = cacheOn(redis, `${name}-b`, options);
    opened.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    return {
      a,
      b,
      discardedByFence: () => metricValue(registryA, 'cache_discarded_loads_total', { reason: 'fence' }),
      pauseA: () => subscriberA.stream.pause(),
      resumeA: () => subscriberA.stream.resume(),
    };
  }

  /**
   * A starts loading `key` and reads v1, then `invalidate` runs (the row is v2 by then), then A's
   * loader returns v1. Returns what A's caller got.
   */
  async function race(
    a: Cache,
    key: string,
    invalidate: () => Promise<void>,
    options?: WriteOptions,
  ): Promise<unknown> {
    let row = 'v1';
    const reading = latch();
    const release = latch();
    const pending = a.getOrLoad(
      key,
      async () => {
        const read = row;
        reading.open();
        await release.promise;
        return read;
      },
      options,
    );
    // A loader that never runs (a value already cached) would leave this waiting forever.
    await Promise.race([
      reading.promise,
      pending.then(() => assert.fail('the loader did not run: the key was already cached')),
    ]);
    row = 'v2';
    await invalidate();
    release.open();
    return pending;
  }

  const stored = (key: string) => admin.get(`${redis.prefix}k:${key}`);

  it('delete on another instance: A holds the lock, its stale write is refused everywhere', async () => {
    const { a, b, pauseA, resumeA, discardedByFence } = await pair('del-locked');
    pauseA();
    assert.equal(
      await race(a, 'post-locked', () => b.delete('post-locked')),
      'v1',
      'the caller still gets its answer',
    );
    assert.equal(await stored('post-locked'), null, 'Redis did not keep the value read before the delete');
    assert.equal(await a.get('post-locked'), undefined, "A's L1 did not keep it either");
    assert.equal(await discardedByFence(), 1, 'the fence in Redis refused the write');
    resumeA();
    assert.equal(await b.getOrLoad('post-locked', async () => 'v2'), 'v2');
    assert.equal(await a.getOrLoad('post-locked', async () => 'v3'), 'v2', 'A reads the new value from L2');
  });

  it('delete on another instance: A loads without the lock (someone else holds it)', async () => {
    const { a, b, pauseA, resumeA } = await pair('del-unlocked', { lock: { waitMs: 0 } });
    await admin.set(`${redis.prefix}l:k:post-unlocked`, 'another-holder', 'PX', 60_000);
    pauseA();
    assert.equal(await race(a, 'post-unlocked', () => b.delete('post-unlocked')), 'v1');
    assert.equal(await stored('post-unlocked'), null);
    assert.equal(await a.get('post-unlocked'), undefined);
    resumeA();
  });

  it('set on another instance: the newer value is the one that stays', async () => {
    const { a, b, pauseA, resumeA } = await pair('set');
    pauseA();
    assert.equal(await race(a, 'post-set', () => b.set('post-set', 'v2')), 'v1');
    assert.equal(await b.get('post-set'), 'v2');
    assert.match((await stored('post-set')) ?? '', /"v2"$/);
    assert.notEqual(await a.get('post-set'), 'v1');
    resumeA();
    await waitUntil(async () => (await a.get('post-set')) === 'v2', { message: 'A sees v2' });
  });

  it('tag invalidation on another instance refuses a tagged load that started before it', async () => {
    const { a, b, pauseA, resumeA } = await pair('tag');
    pauseA();
    const tagged = { tags: ['author.7'] };
    assert.equal(await race(a, 'post-tag', () => b.invalidateTag('author.7'), tagged), 'v1');
    assert.equal(await stored('post-tag'), null);
    assert.equal(await a.get('post-tag'), undefined);
    resumeA();
  });

  it('the same instance: a delete during the load is not undone by the load', async () => {
    const { a } = await pair('local');
    assert.equal(await race(a, 'post-local', () => a.delete('post-local')), 'v1');
    assert.equal(await stored('post-local'), null);
    assert.equal(await a.get('post-local'), undefined);
  });

  it('a load that starts after the invalidation is cached as usual', async () => {
    const { a, b } = await pair('after');
    await b.delete('post-after');
    assert.equal(await a.getOrLoad('post-after', async () => 'v2'), 'v2');
    assert.match((await stored('post-after')) ?? '', /"v2"$/);
    assert.equal(await b.get('post-after'), 'v2');
  });
});
