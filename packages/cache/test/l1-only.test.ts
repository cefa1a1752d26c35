// The cache without Redis (L1 only): the in-process behaviour every instance has, even while
// Redis is down. Short TTLs and fixed waits are only used where expiry itself is the subject.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { metricValue } from '@lab/metrics';
import { Registry } from 'prom-client';
import {
  CacheClosedError,
  CacheOptionsError,
  createCache,
  isCacheLoadTimeout,
  NOT_FOUND,
  NOT_IN_MEMORY,
} from '../src/index.ts';

describe('cache without Redis (L1 only)', () => {
  it('runs one load for concurrent callers of one key and serves the rest from L1', async () => {
    const registry = new Registry();
    const cache = createCache({ name: 'sf', registry });
    let loads = 0;
    const loader = async () => {
      loads += 1;
      await sleep(20);
      return { id: 1 };
    };
    const values = await Promise.all(Array.from({ length: 100 }, () => cache.getOrLoad('a', loader)));
    assert.equal(loads, 1);
    assert.ok(values.every((v) => v === values[0]));
    assert.deepEqual(await cache.getOrLoad('a', loader), { id: 1 });
    assert.equal(loads, 1);
    assert.equal(await metricValue(registry, 'cache_coalesced_total', { cache: 'sf' }), 99);
    assert.equal(await metricValue(registry, 'cache_requests_total', { layer: 'l1', result: 'hit' }), 1);
    assert.equal(await metricValue(registry, 'cache_loads_total', { result: 'ok' }), 1);
    await cache.close();
  });

  it('getFromMemory answers synchronously what L1 holds, NOT_IN_MEMORY otherwise, and refreshes early', async () => {
    const registry = new Registry();
    const cache = createCache({ name: 'mem', registry, earlyRefresh: { beta: 1e9 } });
    let loads = 0;
    const loader = async () => {
      loads += 1;
      await sleep(5); // a measurable load time: XFetch scales its early window by it
      return { id: loads };
    };
    assert.equal(cache.getFromMemory('a', loader), NOT_IN_MEMORY, 'nothing loaded yet');
    assert.equal(loads, 0, 'getFromMemory never loads on a miss');
    assert.deepEqual(await cache.getOrLoad('a', loader), { id: 1 });
    // β this large makes every fresh hit due for an early refresh: the hit is still answered at
    // once, and the refresh runs in the background with the loader given here.
    assert.deepEqual(cache.getFromMemory('a', loader), { id: 1 });
    assert.equal(loads, 2);
    assert.equal(await metricValue(registry, 'cache_early_refreshes_total', { cache: 'mem' }), 1);
    assert.equal(await metricValue(registry, 'cache_requests_total', { layer: 'l1', result: 'hit' }), 1);

    await cache.getOrLoad('ghost', () => NOT_FOUND);
    assert.equal(cache.getFromMemory('ghost', loader), undefined, 'a remembered "not found"');
    assert.equal(
      cache.getFromMemory('a', loader, { namespace: 'ns' }),
      NOT_IN_MEMORY,
      'namespaced keys wait for getOrLoad',
    );
    assert.throws(() => cache.getFromMemory('a', 'nope' as never), CacheOptionsError);
    await cache.close();
    assert.throws(() => cache.getFromMemory('a', loader), CacheClosedError);
  });

  it('caches "not found" for negativeTtlMs, whichever way the loader says it', async () => {
    const cache = createCache({ name: 'neg', registry: new Registry(), negativeTtlMs: 60, ttlJitter: 0 });
    let loads = 0;
    const missing = async () => {
      loads += 1;
      return cache.notFound();
    };
    assert.equal(await cache.getOrLoad('ghost', missing), undefined);
    assert.equal(await cache.getOrLoad('ghost', missing), undefined);
    assert.equal(loads, 1);
    await sleep(80);
    assert.equal(await cache.getOrLoad('ghost', async () => undefined), undefined);
    assert.equal(await cache.getOrLoad('ghost', missing), undefined);
    assert.equal(loads, 1, 'undefined counts as not found too');
    await cache.close();
  });

  it('serves the stale value when the loader fails within grace, then backs off', async () => {
    const cache = createCache({
      name: 'sie',
      registry: new Registry(),
      ttlMs: 30,
      ttlJitter: 0,
      graceMs: 10_000,
    });
    await cache.getOrLoad('k', async () => 'v1');
    await sleep(50);
    let attempts = 0;
    const failing = async () => {
      attempts += 1;
      throw new Error('database down');
    };
    assert.equal(await cache.getOrLoad('k', failing), 'v1');
    assert.equal(await cache.getOrLoad('k', failing), 'v1');
    assert.equal(attempts, 1, 'graceBackoffMs keeps the dead source from being hit on every read');
    await cache.close();
  });

  it('throws the loader error when there is nothing stale to serve', async () => {
    const cache = createCache({ name: 'err', registry: new Registry() });
    await assert.rejects(
      cache.getOrLoad('k', async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    await cache.close();
  });

  it('serves stale after the soft timeout and lets the slow load finish in the background', async () => {
    const cache = createCache({
      name: 'soft',
      registry: new Registry(),
      ttlMs: 30,
      ttlJitter: 0,
      graceMs: 10_000,
      softTimeoutMs: 20,
      earlyRefresh: false,
    });
    await cache.getOrLoad('k', async () => 'old');
    await sleep(50);
    const slow = async () => {
      await sleep(150);
      return 'new';
    };
    const started = Date.now();
    assert.equal(await cache.getOrLoad('k', slow), 'old');
    assert.ok(Date.now() - started < 140, 'did not wait for the slow load');
    await sleep(200);
    assert.equal(await cache.getOrLoad('k', slow), 'new', 'the background load filled the cache');
    await cache.close();
  });

  it('bounds the wait with the hard timeout and aborts the loader', async () => {
    const cache = createCache({ name: 'hard', registry: new Registry(), hardTimeoutMs: 50 });
    let aborted = false;
    await assert.rejects(
      cache.getOrLoad('k', ({ signal }) => {
        signal.addEventListener('abort', () => {
          aborted = true;
        });
        return new Promise<string>(() => {});
      }),
      (error: unknown) => isCacheLoadTimeout(error) && error.timeoutMs === 50,
    );
    assert.ok(aborted);
    await cache.close();
  });

  it('drops a namespace by version and entries by tag', async () => {
    const cache = createCache({ name: 'groups', registry: new Registry() });
    let loads = 0;
    const loader = async () => {
      loads += 1;
      return loads;
    };
    assert.equal(await cache.getOrLoad('a', loader, { namespace: 'user-1' }), 1);
    assert.equal(await cache.getOrLoad('a', loader, { namespace: 'user-1' }), 1);
    await cache.invalidateNamespace('user-1');
    assert.equal(await cache.getOrLoad('a', loader, { namespace: 'user-1' }), 2);
    assert.equal(await cache.getOrLoad('t', loader, { tags: ['post.1'] }), 3);
    assert.equal(await cache.getOrLoad('u', loader, { tags: ['post.2'] }), 4);
    await cache.invalidateTag('post.1');
    assert.equal(await cache.get('t'), undefined);
    assert.equal(await cache.get('u'), 4);
    await cache.close();
  });

  it('write-through set, delete and getMany', async () => {
    const cache = createCache({ name: 'wt', registry: new Registry() });
    await cache.set('a', { n: 1 });
    await cache.set('b', NOT_FOUND);
    assert.deepEqual(await cache.getMany(['a', 'b', 'c']), [{ n: 1 }, undefined, undefined]);
    assert.deepEqual(await cache.getOrLoad('a', async () => ({ n: 2 })), { n: 1 });
    await cache.delete('a');
    assert.equal(await cache.get('a'), undefined);
    await cache.close();
  });

  it('does not cache a load that was invalidated while it ran', async () => {
    const cache = createCache({ name: 'race', registry: new Registry() });
    const pending = cache.getOrLoad('k', async () => {
      await sleep(30);
      return 'read before the write';
    });
    await sleep(5);
    await cache.delete('k');
    assert.equal(await pending, 'read before the write');
    assert.equal(await cache.get('k'), undefined);
    await cache.close();
  });

  it('rejects bad names and use after close with typed errors', async () => {
    const cache = createCache({ name: 'bad', registry: new Registry() });
    await assert.rejects(
      cache.getOrLoad('k', async () => 1, { tags: ['a b'] }),
      CacheOptionsError,
    );
    await assert.rejects(cache.get('k', { namespace: 'x:y' }), CacheOptionsError);
    const load = async () => 1;
    for (const key of ['', 'k'.repeat(1_025), 42 as unknown as string, undefined as unknown as string]) {
      await assert.rejects(cache.getOrLoad(key, load), CacheOptionsError, `key ${String(key).slice(0, 9)}`);
      await assert.rejects(cache.set(key, 1), CacheOptionsError);
      await assert.rejects(cache.getMany(['fine', key]), CacheOptionsError);
    }
    assert.equal(await cache.getOrLoad('k'.repeat(1_024), load), 1, 'the longest key allowed');
    await assert.rejects(cache.getOrLoad('k', 'not a loader' as never), CacheOptionsError);
    for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(cache.getOrLoad('t', load, { ttlMs }), CacheOptionsError, `ttlMs ${ttlMs}`);
      await assert.rejects(cache.set('t', 1, { ttlMs }), CacheOptionsError);
    }
    assert.equal(await cache.get('t'), undefined, 'nothing was cached with a bad TTL');
    await cache.close();
    await assert.rejects(cache.get('k'), CacheClosedError);
  });
});
