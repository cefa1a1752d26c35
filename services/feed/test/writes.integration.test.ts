// Writes against the real service: posts (201, 400s, bounds, idempotency), author-only deletes
// (403, tombstone, post.deleted), follows (404/400/200/201), and the follow's notification request:
// exactly one `notification.requested` event, with the contract's fields, published once to Kafka.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeEvent, notificationRequested } from '@lab/events';
import { waitUntil } from '@lab/testkit';
import { followRequestId } from '../src/domain/ids.ts';
import { call, createTestBed, type Running, type TestBed } from './support.ts';

let bed: TestBed;
let svc: Running;
let ann: string;
let bob: string;

before(async () => {
  bed = await createTestBed('feed_writes');
  svc = await bed.start();
  ann = await bed.token('ann');
  bob = await bed.token('bob');
});
after(() => bed.cleanup());

describe('POST /v1/posts', () => {
  test('201 with the post, its row and its post.created event in the outbox', async () => {
    const created = await call(svc.url, 'POST', '/v1/posts', { token: ann, body: { body: 'hello' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.authorId, 'ann');
    assert.equal(created.body.body, 'hello');
    assert.equal(created.headers.get('location'), `/v1/posts/${created.body.id}`);
    const { rows } = await bed.db.pool.query('SELECT topic, payload FROM outbox WHERE aggregate_id = $1', [
      'ann',
    ]);
    assert.deepEqual(
      rows.map((row) => row.topic),
      [bed.topics.postCreated],
    );
    assert.equal(rows[0].payload.postId, created.body.id);
  });

  test('bad inputs are 400 problem+json; no token is 401', async () => {
    for (const body of [
      {},
      { body: '' },
      { body: '   ' },
      { body: 'x'.repeat(2_001) },
      { body: 5 },
      { body: 'a', extra: 1 },
      { body: 'nul \u0000 inside' },
      { body: ' '.repeat(2_001) },
    ]) {
      const answer = await call(svc.url, 'POST', '/v1/posts', { token: ann, body });
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match(answer.headers.get('content-type') ?? '', /application\/problem\+json/);
    }
    assert.equal((await call(svc.url, 'POST', '/v1/posts', { token: ann, body: '{' })).status, 400);
    assert.equal((await call(svc.url, 'POST', '/v1/posts', { body: { body: 'x' } })).status, 401);
  });

  test('an Idempotency-Key replays the first response and writes one post', async () => {
    const headers = { 'idempotency-key': 'post-once-1' };
    const first = await call(svc.url, 'POST', '/v1/posts', { token: bob, body: { body: 'once' }, headers });
    const again = await call(svc.url, 'POST', '/v1/posts', { token: bob, body: { body: 'once' }, headers });
    assert.equal(first.status, 201);
    assert.equal(again.status, 201);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const { rows } = await bed.db.pool.query("SELECT count(*)::int AS n FROM posts WHERE body = 'once'");
    assert.equal(rows[0].n, 1);
  });

  test('concurrent retries with one Idempotency-Key commit one post, one event and one stored response', async () => {
    const headers = { 'idempotency-key': 'post-race-1' };
    const send = () =>
      call(svc.url, 'POST', '/v1/posts', { token: bob, body: { body: 'raced once' }, headers });
    const answers = await Promise.all([send(), send(), send(), send()]);
    // The first to claim the key writes; the others see it in flight (409) or replay it (201).
    const created = answers.filter((answer) => answer.status === 201);
    assert.ok(created.length >= 1, answers.map((answer) => answer.status).join());
    for (const answer of answers) assert.ok([201, 409].includes(answer.status), String(answer.status));
    assert.equal(new Set(created.map((answer) => answer.body.id)).size, 1);
    const id = created[0]?.body.id as string;
    const posts = await bed.db.pool.query("SELECT id FROM posts WHERE body = 'raced once'");
    assert.deepEqual(
      posts.rows.map((row) => row.id),
      [id],
    );
    const events = await bed.db.pool.query(
      "SELECT count(*)::int AS n FROM outbox WHERE topic = $1 AND payload->>'postId' = $2",
      [bed.topics.postCreated, id],
    );
    assert.equal(events.rows[0].n, 1);
    // The stored response is the one the writer sent: a later retry replays that post.
    const replay = await send();
    assert.equal(replay.status, 201);
    assert.equal(replay.body.id, id);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  });

  test('posting is rate limited per user: 429 with Retry-After', async () => {
    const limited = await bed.start({ POSTS_PER_MINUTE: '2' });
    const carl = await bed.token('carl');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      statuses.push(
        (await call(limited.url, 'POST', '/v1/posts', { token: carl, body: { body: `n${i}` } })).status,
      );
    }
    assert.deepEqual(statuses.slice(0, 2), [201, 201]);
    const refused = await call(limited.url, 'POST', '/v1/posts', { token: carl, body: { body: 'more' } });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  });
});

describe('DELETE /v1/posts/{id}', () => {
  test("another user's delete is 403; the author's leaves a tombstone and a post.deleted event", async () => {
    const post = await call(svc.url, 'POST', '/v1/posts', { token: ann, body: { body: 'mine' } });
    const id = post.body.id as string;
    const foreign = await call(svc.url, 'DELETE', `/v1/posts/${id}`, { token: bob });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.code, 'NOT_POST_AUTHOR');
    assert.equal((await call(svc.url, 'DELETE', `/v1/posts/${id}`, { token: ann })).status, 204);
    assert.equal(
      (await call(svc.url, 'DELETE', `/v1/posts/${id}`, { token: ann })).status,
      204,
      'a retry is harmless',
    );
    const { rows } = await bed.db.pool.query('SELECT body, deleted_at FROM posts WHERE id = $1', [id]);
    assert.equal(rows[0].body, null);
    assert.ok(rows[0].deleted_at instanceof Date);
    const events = await bed.db.pool.query('SELECT payload FROM outbox WHERE topic = $1', [
      bed.topics.postDeleted,
    ]);
    assert.equal(events.rows.filter((row) => row.payload.postId === id).length, 1);
  });

  test('unknown id 404, malformed id 400', async () => {
    assert.equal((await call(svc.url, 'DELETE', '/v1/posts/nope', { token: ann })).status, 404);
    assert.equal((await call(svc.url, 'DELETE', `/v1/posts/${'x'.repeat(65)}`, { token: ann })).status, 400);
    assert.equal((await call(svc.url, 'DELETE', '/v1/posts/a.b', { token: ann })).status, 400);
  });
});

describe('follows', () => {
  test('bad inputs: self 400, malformed 400, unknown user 404', async () => {
    assert.equal((await call(svc.url, 'POST', '/v1/follows/ann', { token: ann, body: {} })).status, 400);
    assert.equal(
      (await call(svc.url, 'POST', `/v1/follows/${'u'.repeat(129)}`, { token: ann, body: {} })).status,
      400,
    );
    assert.equal((await call(svc.url, 'POST', '/v1/follows/a%20b', { token: ann, body: {} })).status, 400);
    const unknown = await call(svc.url, 'POST', '/v1/follows/nobody-here', { token: ann, body: {} });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'USER_NOT_FOUND');
  });

  test('a follow publishes exactly one notification.requested, with the contract and a deterministic id', async () => {
    const dana = await bed.token('dana');
    await call(svc.url, 'GET', '/v1/feed', { token: dana }); // dana exists once she has acted
    const seen: { key: string | undefined; value: unknown; eventType: string | undefined }[] = [];
    const consumer = bed.kafka.kafka.consumer({ groupId: `${bed.topics.notificationRequested}-probe` });
    await consumer.connect();
    await consumer.subscribe({ topic: bed.topics.notificationRequested, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({
          key: message.key?.toString(),
          value: JSON.parse(message.value?.toString() ?? 'null'),
          eventType: message.headers?.['event-type']?.toString(),
        });
      },
    });
    try {
      const first = await call(svc.url, 'POST', '/v1/follows/dana', { token: ann, body: {} });
      assert.equal(first.status, 201);
      assert.equal(first.body.followeeId, 'dana');
      const repeat = await call(svc.url, 'POST', '/v1/follows/dana', { token: ann, body: {} });
      assert.equal(repeat.status, 200, 'following again changes nothing');
      await waitUntil(() => seen.length >= 1, { timeoutMs: 30_000, message: 'the event reached Kafka' });
      // The outbox is drained (nothing unpublished), so no second event can still be on its way.
      await waitUntil(
        async () =>
          (await bed.db.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL'))
            .rows[0].n === 0,
        { message: 'outbox drained' },
      );
      assert.equal(seen.length, 1);
      const event = seen[0] as (typeof seen)[number];
      assert.equal(event.key, 'dana');
      const payload = decodeEvent(notificationRequested, {
        eventType: event.eventType,
        payload: event.value,
      });
      assert.deepEqual(payload, {
        requestId: followRequestId('ann', 'dana'),
        userId: 'dana',
        category: 'transactional',
        template: 'feed.new-follower',
        data: { followerId: 'ann' },
        source: 'feed',
      });
      const { rows } = await bed.db.pool.query("SELECT follower_count FROM users WHERE id = 'dana'");
      assert.equal(rows[0].follower_count, 1);
    } finally {
      await consumer.disconnect();
    }
  });

  test('unfollow is 204 and lowers the follower count; unfollowing again is 204', async () => {
    await call(svc.url, 'GET', '/v1/feed', { token: await bed.token('erin') });
    assert.equal((await call(svc.url, 'POST', '/v1/follows/erin', { token: bob, body: {} })).status, 201);
    assert.equal((await call(svc.url, 'DELETE', '/v1/follows/erin', { token: bob, body: {} })).status, 204);
    assert.equal((await call(svc.url, 'DELETE', '/v1/follows/erin', { token: bob, body: {} })).status, 204);
    const { rows } = await bed.db.pool.query("SELECT follower_count FROM users WHERE id = 'erin'");
    assert.equal(rows[0].follower_count, 0);
  });
});
