// The fan-out worker through the real path (HTTP post -> outbox -> relay -> Kafka -> consumer ->
// Redis), with a threshold of 3: authors with 2 and 3 followers are pushed into each follower's
// timeline (3 followers in 2 pipelined batches of 2), an author with 4 is only in its recent set
// and merged at read time; an inactive follower is skipped and rebuilt on read; a redelivered event
// writes nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { metricValue } from '@lab/metrics';
import { waitUntil } from '@lab/testkit';
import { call, createTestBed, type Running, readAllPages, type TestBed } from './support.ts';

let bed: TestBed;
let svc: Running;
const token = (user: string) => bed.token(user);
const timeline = (user: string) => `${bed.redis.prefix}tl:${user}`;
const recent = (user: string) => `${bed.redis.prefix}recent:${user}`;
let redis: ReturnType<TestBed['redis']['connect']>;

async function follow(follower: string, followee: string) {
  const answer = await call(svc.url, 'POST', `/v1/follows/${followee}`, {
    token: await token(follower),
    body: {},
  });
  assert.equal(answer.status, 201);
}
async function post(author: string, body: string): Promise<string> {
  const answer = await call(svc.url, 'POST', '/v1/posts', { token: await token(author), body: { body } });
  assert.equal(answer.status, 201);
  return answer.body.id as string;
}
/** Resolves once the consumer committed the post's event (its whole fan-out is done). */
async function fannedOut(postId: string) {
  await waitUntil(
    async () =>
      (
        await bed.db.pool.query(
          `SELECT 1 FROM outbox o JOIN outbox_processed_events p ON p.event_id = o.event_id::text
           WHERE o.topic = $1 AND o.payload->>'postId' = $2`,
          [bed.topics.postCreated, postId],
        )
      ).rowCount === 1,
    { timeoutMs: 30_000, message: `post ${postId} fanned out` },
  );
}
const fanoutWrites = () => metricValue(svc.deps.registry, 'feed_fanout_writes_total');

before(async () => {
  bed = await createTestBed('feed_fanout');
  svc = await bed.start({ FANOUT_THRESHOLD: '3', FANOUT_BATCH: '2' });
  redis = bed.redis.connect();
  // Every user acts once (a read), so they exist.
  for (const user of ['below', 'at', 'above', 'f1', 'f2', 'f3', 'f4', 'idle']) {
    const answer = await call(svc.url, 'GET', '/v1/feed', { token: await token(user) });
    assert.equal(answer.status, 200);
  }
  for (const f of ['f1', 'f2']) await follow(f, 'below');
  for (const f of ['f1', 'f2', 'f3']) await follow(f, 'at');
  for (const f of ['f1', 'f2', 'f3', 'f4']) await follow(f, 'above');
  // A timeline is materialized by its owner's first read with follows (fan-out only writes into
  // timelines that exist); read once now.
  for (const f of ['f1', 'f2', 'f3', 'f4']) await call(svc.url, 'GET', '/v1/feed', { token: await token(f) });
});
after(() => bed.cleanup());

test('below and at the threshold: pushed into every follower timeline; above: recent set only', async () => {
  const belowPost = await post('below', 'from below');
  const atPost = await post('at', 'from at');
  const abovePost = await post('above', 'from above');
  await waitUntil(async () => (await redis.zscore(recent('above'), abovePost)) !== null, {
    timeoutMs: 30_000,
    message: 'the celebrity post reached its recent set',
  });
  await waitUntil(async () => (await redis.zscore(timeline('f3'), atPost)) !== null, {
    timeoutMs: 30_000,
    message: 'the at-threshold post reached the last follower',
  });
  await waitUntil(async () => (await redis.zscore(timeline('f2'), belowPost)) !== null, {
    timeoutMs: 30_000,
  });
  for (const f of ['f1', 'f2'])
    assert.notEqual(await redis.zscore(timeline(f), belowPost), null, `${f} has below`);
  for (const f of ['f1', 'f2', 'f3'])
    assert.notEqual(await redis.zscore(timeline(f), atPost), null, `${f} has at`);
  assert.equal(await redis.zscore(timeline('f3'), belowPost), null, 'f3 does not follow below');
  for (const f of ['f1', 'f2', 'f3', 'f4'])
    assert.equal(
      await redis.zscore(timeline(f), abovePost),
      null,
      `the celebrity post is not pushed to ${f}`,
    );
  // The read merges the celebrity's recent posts in: f1 sees all three, newest first.
  const feed = await readAllPages(svc.url, await token('f1'));
  assert.deepEqual(feed.ids, [abovePost, atPost, belowPost]);
  assert.deepEqual(feed.modes, ['hybrid']);
  const f4 = await readAllPages(svc.url, await token('f4'));
  assert.deepEqual(f4.ids, [abovePost]);
});

test('a redelivered post.created writes nothing twice', async () => {
  const id = await post('at', 'delivered twice');
  const { rows } = await bed.db.pool.query(
    'SELECT event_id, payload FROM outbox WHERE topic = $1 AND payload->>$2 = $3',
    [bed.topics.postCreated, 'postId', id],
  );
  const processedCount = async () =>
    (
      await bed.db.pool.query('SELECT count(*)::int AS n FROM outbox_processed_events WHERE group_id = $1', [
        bed.env.FANOUT_GROUP,
      ])
    ).rows[0].n as number;
  const isProcessed = async (eventId: string) =>
    (await bed.db.pool.query('SELECT 1 FROM outbox_processed_events WHERE event_id = $1', [eventId]))
      .rowCount === 1;
  await waitUntil(() => isProcessed(rows[0].event_id), {
    timeoutMs: 30_000,
    message: 'the first delivery committed',
  });
  const before = {
    writes: await fanoutWrites(),
    processed: await processedCount(),
    cards: await Promise.all(['f1', 'f2', 'f3'].map((f) => redis.zcard(timeline(f)))),
  };
  assert.ok(before.writes >= 3);
  // Replay the exact Kafka message (same event-id) as a broker redelivery would, and one with a
  // new event id (a duplicate the dedup table cannot catch): neither adds an entry.
  const fresh = crypto.randomUUID();
  const producer = bed.kafka.kafka.producer();
  await producer.connect();
  const message = (eventId: string) => ({
    key: 'at',
    value: JSON.stringify(rows[0].payload),
    headers: { 'event-id': eventId, 'event-type': 'post.created.v1' },
  });
  await producer.send({
    topic: bed.topics.postCreated,
    messages: [message(rows[0].event_id), message(fresh)],
  });
  await producer.disconnect();
  const duplicates = () =>
    metricValue(svc.deps.registry, 'outbox_consumer_messages_total', { outcome: 'duplicate' });
  await waitUntil(async () => (await isProcessed(fresh)) && (await duplicates()) >= 1, {
    timeoutMs: 30_000,
    message: 'both copies were consumed',
  });
  assert.equal(await processedCount(), before.processed + 1, 'only the fresh id is a new event');
  assert.equal(await fanoutWrites(), before.writes, 'no timeline gained an entry');
  assert.deepEqual(await Promise.all(['f1', 'f2', 'f3'].map((f) => redis.zcard(timeline(f)))), before.cards);
});

test('an inactive follower is skipped by fan-out and rebuilt on the next read', async () => {
  await follow('idle', 'below');
  await call(svc.url, 'GET', '/v1/feed', { token: await token('idle') });
  await bed.db.pool.query("UPDATE users SET last_active_at = now() - interval '90 days' WHERE id = 'idle'");
  const id = await post('below', 'while idle was away');
  await fannedOut(id);
  assert.notEqual(await redis.zscore(timeline('f1'), id), null, 'an active follower got it');
  assert.equal(await redis.zscore(timeline('idle'), id), null, 'skipped');
  const rebuilds = await metricValue(svc.deps.registry, 'feed_timeline_rebuilds_total', {
    reason: 'inactive',
  });
  const feed = await readAllPages(svc.url, await token('idle'));
  assert.equal(feed.ids[0], id, 'the rebuilt timeline has it');
  assert.notEqual(await redis.zscore(timeline('idle'), id), null);
  assert.equal(
    await metricValue(svc.deps.registry, 'feed_timeline_rebuilds_total', { reason: 'inactive' }),
    rebuilds + 1,
  );
});
