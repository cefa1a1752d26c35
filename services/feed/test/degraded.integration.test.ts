// Redis cut (Toxiproxy between the service and Redis): reads degrade to fan-out on read from
// Postgres — still 200, still the right posts in the right order — and say so in `X-Feed-Mode` and
// in `feed_reads_total{mode="degraded"}`. Writes keep working (the rate limiter fails open), and a
// follow made meanwhile marks the timeline dirty, so it is rebuilt once Redis is back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { metricValue } from '@lab/metrics';
import { createFaultProxy, type FaultProxy, hostPortOf, throughProxy, waitUntil } from '@lab/testkit';
import { call, createTestBed, feedTruth, type Running, readAllPages, type TestBed } from './support.ts';

let bed: TestBed;
let svc: Running;
let proxy: FaultProxy;
const token = (user: string) => bed.token(user);

before(async () => {
  bed = await createTestBed('feed_degraded');
  proxy = await createFaultProxy('feed-redis', hostPortOf(bed.redis.url));
  svc = await bed.start({ REDIS_URL: throughProxy(bed.redis.url, proxy), FANOUT_THRESHOLD: '1' });
  for (const user of ['reader', 'a', 'b', 'c', 'other'])
    await call(svc.url, 'GET', '/v1/feed', { token: await token(user) });
  for (const author of ['a', 'b'])
    await call(svc.url, 'POST', `/v1/follows/${author}`, { token: await token('reader'), body: {} });
  await call(svc.url, 'POST', '/v1/follows/b', { token: await token('other'), body: {} }); // b: 2 followers, pulled
  for (let i = 0; i < 6; i += 1) {
    for (const author of ['a', 'b', 'c'])
      await call(svc.url, 'POST', '/v1/posts', {
        token: await token(author),
        body: { body: `${author}${i}` },
      });
  }
  const hybrid = await readAllPages(svc.url, await token('reader'), { limit: 4 });
  assert.deepEqual(hybrid.ids.length, 12);
});
after(async () => {
  await proxy.restore().catch(() => {});
  await bed.cleanup();
  await proxy.remove();
});

test('Redis cut: the feed is served from Postgres, correct, and marked degraded', async () => {
  await proxy.cut();
  const degradedBefore = await metricValue(svc.deps.registry, 'feed_reads_total', { mode: 'degraded' });
  // Writes still succeed while Redis is away: the post is in Postgres with its outbox event.
  const during = await call(svc.url, 'POST', '/v1/posts', {
    token: await token('a'),
    body: { body: 'during the cut' },
  });
  assert.equal(during.status, 201);
  const pages = await readAllPages(svc.url, await token('reader'), { limit: 5 });
  assert.deepEqual(pages.ids, await feedTruth(bed, 'reader'));
  assert.equal(pages.ids[0], during.body.id, 'the post written during the cut is there');
  assert.ok(
    pages.modes.every((mode) => mode === 'degraded'),
    pages.modes.join(),
  );
  assert.equal(
    await metricValue(svc.deps.registry, 'feed_reads_total', { mode: 'degraded' }),
    degradedBefore + pages.pages,
  );

  // A follow during the cut cannot reach the timeline: it is marked dirty and rebuilt later.
  assert.equal(
    (await call(svc.url, 'POST', '/v1/follows/c', { token: await token('reader'), body: {} })).status,
    201,
  );
  const { rows } = await bed.db.pool.query("SELECT timeline_dirty FROM users WHERE id = 'reader'");
  assert.equal(rows[0].timeline_dirty, true);

  await proxy.restore();
  await waitUntil(
    async () =>
      (await call(svc.url, 'GET', '/v1/feed', { token: await token('reader') })).headers.get(
        'x-feed-mode',
      ) === 'hybrid',
    { timeoutMs: 30_000, intervalMs: 200, message: 'reads are back on Redis' },
  );
  const after = await readAllPages(svc.url, await token('reader'), { limit: 5 });
  assert.deepEqual(
    after.ids,
    await feedTruth(bed, 'reader'),
    'the rebuilt timeline includes c, followed during the cut',
  );
  assert.ok(after.ids.length > pages.ids.length);
});
