// One trace from the HTTP request that started it to provider-sim's receipt (DESIGN.md; issues 14
// and 15), across real processes: url-shortener / feed -> outbox -> Kafka -> notifications ->
// provider-sim. Each test starts its trace with a traceparent header of its own choosing, so the
// trace id found on the receipt can only have come from that request.
//
// Milestone: redirect (traceparent) -> click buffer (the click, inside a url.clicked batch, carries
// the redirect's traceparent) -> click aggregator (enqueues the milestone in the trace of the click
// that crossed it) -> milestone outbox row -> relay -> notifications
// intake and delivery -> email over SMTP (traceparent header) -> provider-sim's recording.
// Follow: POST /v1/follows (traceparent) -> outbox row in the follow's transaction -> relay ->
// notifications -> push over HTTP (traceparent header) -> provider-sim's recording.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uniqueName, waitUntil } from '@lab/testkit';
import {
  call,
  expectStatus,
  newTrace,
  notificationRows,
  receiptsFor,
  traceIdOf,
  waitForDrain,
} from './support/observe.ts';
import { type System, startSystem } from './support/system.ts';

let system: System;

before(async () => {
  system = await startSystem('e2e');
});
after(async () => {
  await system?.stop();
});

async function putTemplate(name: string, content: Record<string, { subject?: string; body: string }>) {
  const token = await system.token('e2e-admin', 'admin');
  await expectStatus(
    call(system.notifications.base, 'PUT', `/v1/templates/${name}/en`, { token, body: content }),
    201, // each PUT stores a new version
  );
}

async function putContacts(userId: string, contacts: { email?: string; pushToken?: string }) {
  const token = await system.token(userId);
  await expectStatus(
    call(system.notifications.base, 'PUT', `/v1/users/${userId}/contacts`, { token, body: contacts }),
    200,
  );
}

test('a click milestone ends as one email at provider-sim, on the trace of the redirect that crossed it', async () => {
  await putTemplate('url.milestone', {
    email: {
      subject: 'Your link {{code}} passed {{milestone}} clicks',
      body: '<p>{{code}}: {{milestone}}</p>',
    },
  });
  const owner = uniqueName('owner');
  const email = `${owner}@e2e.example`;
  await putContacts(owner, { email });
  const created = await expectStatus(
    call(system.urlShortener.base, 'POST', '/v1/urls', {
      token: await system.token(owner),
      body: { url: 'https://example.com/e2e' },
    }),
    201,
  );
  const { code } = created.body as { code: string };

  // 99 clicks already counted: the next redirect is the one that crosses 100.
  const pool = system.urlShortener.db.pool;
  await pool.query('UPDATE links SET clicks = 99 WHERE code = $1', [code]);
  const trace = newTrace();
  const redirect = await call(system.urlShortener.base, 'GET', `/${code}`, {
    headers: { traceparent: trace.traceparent },
  });
  assert.ok([301, 302].includes(redirect.status), `redirected (${redirect.status})`);

  await waitUntil(async () => (await receiptsFor(system, 'email', email)).length > 0, {
    timeoutMs: 90_000,
    intervalMs: 200,
    message: 'provider-sim received the milestone email',
  });
  const [row] = await notificationRows(pool);
  assert.ok(row, 'the milestone enqueued its notification');
  assert.equal(traceIdOf(row.traceparent), trace.traceId, "the outbox row stores the redirect's trace");
  const counts = await waitForDrain(system, pool, row.requestId);
  assert.deepEqual(counts, { sent: 1 }, 'one message, sent');

  const receipts = await receiptsFor(system, 'email', email);
  assert.equal(receipts.length, 1, 'exactly one email');
  assert.equal((await notificationRows(pool)).length, 1, 'one milestone notification');
  assert.equal(
    traceIdOf(receipts[0]?.traceparent),
    trace.traceId,
    "the receipt carries the redirect's trace id",
  );
});

test('a follow over HTTP ends as one push at provider-sim, on the trace of the follow request', async () => {
  await putTemplate('feed.new-follower', {
    push: { subject: 'New follower', body: '{{followerId}} follows you' },
  });
  const followee = uniqueName('followee');
  const follower = uniqueName('follower');
  const pushToken = `push-${followee}`;
  await putContacts(followee, { pushToken });
  // The feed knows a user once they have posted (or followed someone).
  await expectStatus(
    call(system.feed.base, 'POST', '/v1/posts', {
      token: await system.token(followee),
      body: { body: 'hello' },
    }),
    201,
  );

  const trace = newTrace();
  await expectStatus(
    call(system.feed.base, 'POST', `/v1/follows/${followee}`, {
      token: await system.token(follower),
      body: {},
      headers: { traceparent: trace.traceparent },
    }),
    201,
  );

  await waitUntil(async () => (await receiptsFor(system, 'push', pushToken)).length > 0, {
    timeoutMs: 90_000,
    intervalMs: 200,
    message: 'provider-sim received the new-follower push',
  });
  const pool = system.feed.db.pool;
  const [row] = await notificationRows(pool);
  assert.ok(row, 'the follow enqueued its notification');
  assert.equal(traceIdOf(row.traceparent), trace.traceId, "the outbox row stores the follow's trace");
  const counts = await waitForDrain(system, pool, row.requestId);
  assert.ok(counts.sent === 1 || counts.delivered === 1, `one message, sent (${JSON.stringify(counts)})`);
  assert.equal(
    Object.values(counts).reduce((a, b) => a + b, 0),
    1,
    'one message in all',
  );

  const receipts = await receiptsFor(system, 'push', pushToken);
  assert.equal(receipts.length, 1, 'exactly one push');
  assert.equal(receipts[0]?.to, pushToken);
  assert.equal(
    traceIdOf(receipts[0]?.traceparent),
    trace.traceId,
    "the receipt carries the follow request's trace id",
  );
});
