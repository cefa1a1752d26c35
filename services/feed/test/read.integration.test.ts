// The read path against the real stack: the hybrid merge, cursor stability while posts are
// inserted and deleted between pages (with timelines trimmed under the reader), the popular
// cold-start feed, follow backfill and unfollow removal, tombstones filtered, and a timeline lost
// from Redis (this test's keys deleted) rebuilt from Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { metricValue } from '@lab/metrics';
import { waitUntil } from '@lab/testkit';
import { call, createTestBed, feedTruth, type Running, readAllPages, type TestBed } from './support.ts';

let bed: TestBed;
let svc: Running;
let redis: ReturnType<TestBed['redis']['connect']>;
const token = (user: string) => bed.token(user);
const post = async (author: string, body: string) => {
  const answer = await call(svc.url, 'POST', '/v1/posts', { token: await token(author), body: { body } });
  assert.equal(answer.status, 201);
  return answer.body.id as string;
};
const remove = async (author: string, id: string) =>
  assert.equal(
    (await call(svc.url, 'DELETE', `/v1/posts/${id}`, { token: await token(author) })).status,
    204,
  );
const follow = async (follower: string, followee: string) =>
  assert.ok(
    [200, 201].includes(
      (await call(svc.url, 'POST', `/v1/follows/${followee}`, { token: await token(follower), body: {} }))
        .status,
    ),
  );
const read = async (user: string) => call(svc.url, 'GET', '/v1/feed?limit=100', { token: await token(user) });

/** Waits until every post.created event written so far has been consumed (fan-out done). */
async function fanoutSettled() {
  await waitUntil(
    async () => {
      const { rows } = await bed.db.pool.query(
        `SELECT count(*) FILTER (WHERE p.event_id IS NULL)::int AS pending FROM outbox o
         LEFT JOIN outbox_processed_events p ON p.event_id = o.event_id::text AND p.group_id = $2
         WHERE o.topic = $1`,
        [bed.topics.postCreated, bed.env.FANOUT_GROUP],
      );
      return rows[0].pending === 0;
    },
    { timeoutMs: 60_000, message: 'fan-out settled' },
  );
}

before(async () => {
  bed = await createTestBed('feed_read');
  // Small timelines so paging runs past them and trimming happens while a reader pages.
  svc = await bed.start({
    FANOUT_THRESHOLD: '2',
    POSTS_PER_MINUTE: '100000',
    TIMELINE_MAX: '10',
    RECENT_POSTS_MAX: '10',
    BACKFILL_POSTS: '5',
  });
  redis = bed.redis.connect();
  for (const user of ['amy', 'ben', 'cel', 'r', 'x1', 'x2', 'newbie', 'u']) await read(user);
  // cel has 3 followers (> threshold 2): pulled. amy and ben have 1-2: pushed.
  for (const [follower, followee] of [
    ['r', 'amy'],
    ['r', 'ben'],
    ['r', 'cel'],
    ['x1', 'cel'],
    ['x2', 'cel'],
    ['x1', 'amy'],
  ])
    await follow(follower as string, followee as string);
  await read('r');
  for (let i = 0; i < 15; i += 1) {
    await post('amy', `amy ${i}`);
    await post('ben', `ben ${i}`);
    await post('cel', `cel ${i}`);
  }
  await fanoutSettled();
});
after(() => bed.cleanup());

describe('GET /v1/feed', () => {
  test('the merged feed equals the Postgres truth, in order, across pages', async () => {
    const pages = await readAllPages(svc.url, await token('r'), { limit: 7 });
    assert.deepEqual(pages.ids, await feedTruth(bed, 'r'));
    assert.ok(pages.pages >= 7);
    assert.ok(pages.modes.every((mode) => mode === 'hybrid'));
    assert.ok(
      (await redis.zcard(`${bed.redis.prefix}tl:r`)) <= 11,
      'the timeline is trimmed (10 + sentinel)',
    );
  });

  test('cursor stability: with inserts and deletes between pages, every post that existed and was not deleted appears exactly once', async () => {
    const before = await feedTruth(bed, 'r');
    const deleted = new Set<string>();
    const authorOf = new Map<string, string>();
    for (const row of (await bed.db.pool.query('SELECT id, author_id FROM posts')).rows)
      authorOf.set(row.id, row.author_id);
    let round = 0;
    const pages = await readAllPages(svc.url, await token('r'), {
      limit: 6,
      between: async () => {
        round += 1;
        // New posts land above every cursor (and their fan-out trims r's timeline meanwhile).
        await post('amy', `new amy ${round}`);
        await post('cel', `new cel ${round}`);
        // Delete one post further down (not yet shown) and, every other round, one near the top.
        const ahead = before[Math.min(before.length - 1, round * 7 + 3)] as string;
        if (!deleted.has(ahead)) {
          await remove(authorOf.get(ahead) as string, ahead);
          deleted.add(ahead);
        }
        if (round % 2 === 0 && !deleted.has(before[round] as string)) {
          const near = before[round] as string;
          await remove(authorOf.get(near) as string, near);
          deleted.add(near);
        }
      },
    });
    const seen = new Map<string, number>();
    for (const id of pages.ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    for (const [id, count] of seen) assert.equal(count, 1, `${id} appears once`);
    for (const id of before) {
      if (deleted.has(id)) continue;
      assert.equal(
        seen.get(id),
        1,
        `${id} existed at the first page and was not deleted: shown exactly once`,
      );
    }
    assert.ok(round >= 5, 'the writes really interleaved with paging');
    await fanoutSettled();
  });

  test('cursor stability with a concurrent writer: no ordering at all between writes and page reads', async () => {
    const before = await feedTruth(bed, 'r');
    const authorOf = new Map<string, string>();
    for (const row of (await bed.db.pool.query('SELECT id, author_id FROM posts')).rows)
      authorOf.set(row.id, row.author_id);
    const deleted = new Set<string>();
    let reading = true;
    let writes = 0;
    const writer = (async () => {
      for (let i = 0; reading; i += 1) {
        await post(i % 2 === 0 ? 'amy' : 'cel', `racing ${i}`);
        const victim = before[(i * 7 + 2) % before.length] as string;
        if (!deleted.has(victim)) {
          deleted.add(victim); // counted as deleted from the moment the request may land
          await remove(authorOf.get(victim) as string, victim);
        }
        writes += 1;
      }
    })();
    const pages = await readAllPages(svc.url, await token('r'), { limit: 4 });
    reading = false;
    await writer;
    const seen = new Map<string, number>();
    for (const id of pages.ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    for (const [id, count] of seen) assert.equal(count, 1, `${id} appears once`);
    for (const id of before) {
      if (!deleted.has(id)) assert.equal(seen.get(id), 1, `${id} shown exactly once`);
    }
    assert.ok(writes >= 1, 'the writer ran while pages were read');
    await fanoutSettled();
  });

  test('cold start: a user who follows nobody gets the popular feed', async () => {
    const answer = await read('newbie');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-feed-mode'), 'popular');
    const authors = new Set((answer.body.items as { authorId: string }[]).map((item) => item.authorId));
    assert.ok(authors.has('cel') && authors.has('amy'), 'posts of the most-followed authors');
  });

  test('follow backfills the followee’s recent posts; unfollow removes them', async () => {
    await call(svc.url, 'POST', '/v1/follows/x2', { token: await token('u'), body: {} }); // u now has a timeline to fill
    await read('u');
    await follow('u', 'ben');
    const benRecent = (await feedTruth(bed, 'u')).slice(0, 5);
    const key = `${bed.redis.prefix}tl:u`;
    for (const id of benRecent)
      assert.notEqual(await redis.zscore(key, id), null, 'backfilled into the timeline');
    assert.deepEqual(
      ((await read('u')).body.items as { id: string }[]).map((item) => item.id),
      await feedTruth(bed, 'u'),
    );
    assert.equal((await call(svc.url, 'DELETE', '/v1/follows/ben', { token: await token('u') })).status, 204);
    for (const id of benRecent) assert.equal(await redis.zscore(key, id), null, 'removed from the timeline');
    assert.deepEqual((await read('u')).body.items, []);
  });

  test('a deleted post disappears from the feed at once (tombstone), before its removal is fanned out', async () => {
    const id = await post('amy', 'short-lived');
    await fanoutSettled();
    assert.equal(((await read('r')).body.items as { id: string }[])[0]?.id, id);
    await remove('amy', id);
    assert.ok(!((await read('r')).body.items as { id: string }[]).some((item) => item.id === id));
  });

  test('a read after a delete never serves the deleted post from cache, on any instance', async () => {
    // A second instance (the bed stops it); it shares the fan-out group.
    const other = await bed.start({ FANOUT_THRESHOLD: '2', POSTS_PER_MINUTE: '100000' });
    const readOn = async (url: string) =>
      (
        (await call(url, 'GET', '/v1/feed?limit=100', { token: await token('r') })).body.items as {
          id: string;
          body: string;
        }[]
      ).map((item) => item.id);
    const id = await post('amy', 'cached, then deleted');
    await fanoutSettled();
    // Both instances hydrate it: its body is now in each one's L1 and in Redis.
    assert.ok((await readOn(svc.url)).includes(id));
    assert.ok((await readOn(other.url)).includes(id));
    const l2 = await redis.keys(`${bed.env.REDIS_KEY_PREFIX}post:*${id}*`);
    assert.ok(l2.length > 0, 'the post was cached in Redis before the delete');
    await remove('amy', id);
    // The deleting instance wrote the tombstone through its cache: it never serves the body again.
    // The other drops its L1 copy when the pub/sub invalidation arrives (that delivery is the only
    // window), and from then on reads the tombstone.
    assert.ok(!(await readOn(svc.url)).includes(id), 'not served by the deleting instance');
    await waitUntil(async () => !(await readOn(other.url)).includes(id), {
      timeoutMs: 10_000,
      message: 'the other instance stops serving the deleted post',
    });
    assert.ok(!(await readOn(other.url)).includes(id), 'and never serves it again');
    assert.ok(!(await readOn(svc.url)).includes(id));
  });

  test('a lost timeline (our Redis keys deleted) is rebuilt from Postgres on read', async () => {
    const expected = await feedTruth(bed, 'r');
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${bed.redis.prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    const missing = await metricValue(svc.deps.registry, 'feed_timeline_rebuilds_total', {
      reason: 'missing',
    });
    const pages = await readAllPages(svc.url, await token('r'), { limit: 9 });
    assert.deepEqual(pages.ids, expected);
    assert.equal(
      await metricValue(svc.deps.registry, 'feed_timeline_rebuilds_total', { reason: 'missing' }),
      missing + 1,
    );
    assert.ok((await redis.zcard(`${bed.redis.prefix}tl:r`)) > 1, 'the timeline exists again');
  });

  test('bad query: 400 for a foreign cursor, a limit out of bounds, an unknown parameter; 401 without a token', async () => {
    const t = await token('r');
    for (const query of [
      '?cursor=abc',
      '?cursor=%21%21',
      '?limit=0',
      '?limit=101',
      '?limit=x',
      '?limit=1&limit=2',
      '?foo=1',
    ]) {
      const answer = await call(svc.url, 'GET', `/v1/feed${query}`, { token: t });
      assert.equal(answer.status, 400, query);
      assert.match(answer.headers.get('content-type') ?? '', /problem\+json/);
    }
    assert.equal((await call(svc.url, 'GET', '/v1/feed')).status, 401);
  });
});
