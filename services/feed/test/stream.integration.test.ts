// Live updates over SSE with two replicas on one Redis: a stream opened on replica A receives a
// post written through replica B; after a disconnect, reconnecting to B with Last-Event-ID
// delivers exactly what was missed, in order; heartbeats arrive; per-user and per-instance caps
// answer 503 with Retry-After.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitUntil } from '@lab/testkit';
import { openStream, type SseEvent, type SseStream } from './sse-client.ts';
import { call, createTestBed, type Running, type TestBed } from './support.ts';

let bed: TestBed;
let a: Running;
let b: Running;
const streams: SseStream[] = [];
const open = async (...args: Parameters<typeof openStream>) => {
  const stream = await openStream(...args);
  streams.push(stream);
  return stream;
};
const posts = (events: SseEvent[]) => events.filter((event) => event.event === 'post');
const ready = (stream: SseStream) =>
  stream.waitFor((events) => events.some((e) => e.event === 'ready'), 'ready');

before(async () => {
  bed = await createTestBed('feed_stream');
  const env = { SSE_HEARTBEAT_MS: '200', SSE_MAX_PER_USER: '2', FANOUT_THRESHOLD: '1' };
  a = await bed.start(env);
  b = await bed.start(env);
  for (const user of ['viewer', 'writer', 'star', 'fan2'])
    await call(a.url, 'GET', '/v1/feed', { token: await bed.token(user) });
  const viewer = await bed.token('viewer');
  await call(a.url, 'POST', '/v1/follows/writer', { token: viewer, body: {} });
  await call(a.url, 'POST', '/v1/follows/star', { token: viewer, body: {} });
  await call(a.url, 'POST', '/v1/follows/star', { token: await bed.token('fan2'), body: {} }); // star is pulled
});
after(async () => {
  for (const stream of streams) stream.close();
  await bed.cleanup();
});

const write = async (author: string, body: string) => {
  const answer = await call(b.url, 'POST', '/v1/posts', { token: await bed.token(author), body: { body } });
  assert.equal(answer.status, 201);
  return answer.body.id as string;
};

test('a post written on B reaches a stream on A; Last-Event-ID on B resumes without a gap', async () => {
  const viewer = await bed.token('viewer');
  const first = await open(a.url, viewer);
  assert.equal(first.status, 200);
  await ready(first);
  const p1 = await write('writer', 'one');
  const p2 = await write('star', 'two (a pulled author: delivered live all the same)');
  await first.waitFor((events) => posts(events).length >= 2, 'two live posts on A');
  assert.deepEqual(
    posts(first.events)
      .map((e) => (e.data as { id: string }).id)
      .sort(),
    [p1, p2].sort(),
  );
  const lastSeen = posts(first.events).at(-1)?.id as string;
  assert.match(lastSeen, /^\d+-\d+$/);
  first.close();
  await waitUntil(() => first.closed, { message: 'closed' });

  // Missed while disconnected:
  const p3 = await write('writer', 'three');
  const p4 = await write('writer', 'four');
  await waitUntil(
    async () =>
      (
        await bed.db.pool.query('SELECT 1 FROM outbox_processed_events WHERE group_id = $1', [
          bed.env.FANOUT_GROUP,
        ])
      ).rowCount === 4,
    { timeoutMs: 60_000, message: 'fan-out of the missed posts' },
  );
  const resumed = await open(b.url, viewer, lastSeen);
  assert.equal(resumed.status, 200);
  await resumed.waitFor((events) => posts(events).length >= 2, 'the missed posts on B');
  assert.deepEqual(
    posts(resumed.events).map((e) => (e.data as { id: string }).id),
    [p3, p4],
  );
  assert.ok(!resumed.events.some((e) => e.event === 'reset'));
  // And it stays live.
  const p5 = await write('writer', 'five');
  await resumed.waitFor((events) => posts(events).length >= 3, 'live after resume');
  const third = posts(resumed.events)[2] as SseEvent;
  assert.equal((third.data as { id: string }).id, p5);
  await waitUntil(() => resumed.comments >= 1, { message: 'a heartbeat' });
  resumed.close();
});

test('a Last-Event-ID older than the log is a reset event, not a silent gap; a malformed one is 400', async () => {
  const viewer = await bed.token('viewer');
  const stale = await open(a.url, viewer, '1-0');
  await stale.waitFor((events) => events.some((e) => e.event === 'reset'), 'reset');
  stale.close();
  const bad = await open(a.url, viewer, 'not-an-id');
  assert.equal(bad.status, 400);
});

test('connections are capped per user across replicas, and per instance: 503 with Retry-After', async () => {
  const viewer = await bed.token('viewer');
  // The earlier tests' streams are closed; wait until the server side has released their slots.
  const redis = bed.redis.connect();
  await waitUntil(
    async () => (await redis.zcount(`${bed.redis.prefix}live:slots:viewer`, Date.now(), '+inf')) === 0,
    {
      timeoutMs: 30_000,
      message: 'earlier slots released',
    },
  );
  const one = await open(a.url, viewer);
  const two = await open(b.url, viewer);
  await ready(one);
  await ready(two);
  const three = await open(a.url, viewer);
  assert.equal(three.status, 503);
  assert.ok(Number(three.headers.get('retry-after')) >= 1);
  assert.equal(JSON.parse(three.body).code, 'USER_STREAMS_FULL');
  one.close();
  await waitUntil(
    async () => {
      const again = await open(a.url, viewer);
      if (again.status === 200) return true;
      again.close();
      return false;
    },
    { message: 'a slot is free again after a close' },
  );

  const small = await bed.start({ SSE_MAX_PER_INSTANCE: '1' });
  const writer = await open(small.url, await bed.token('writer'));
  await ready(writer);
  const star = await open(small.url, await bed.token('star'));
  assert.equal(star.status, 503);
  assert.equal(JSON.parse(star.body).code, 'INSTANCE_STREAMS_FULL');
  assert.ok(Number(star.headers.get('retry-after')) >= 1);
});
