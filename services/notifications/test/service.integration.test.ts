// The service against real Postgres, Redis and Kafka, with provider-sim: users' contacts and
// preferences (self or admin), templates and segments (admin), POST /v1/notifications (scopes,
// bounds, idempotency), delivery end to end with delivery webhooks, a hard bounce that suppresses
// the address, and webhooks with a bad signature or an old timestamp refused.
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { canonicalJson } from '@lab/service-kit';
import { waitUntil } from '@lab/testkit';
import { settle, withPool } from './support/fixtures.ts';
import { createTestBed, type TestBed, WEBHOOK_SECRET } from './support/testbed.ts';
import { tokenFor } from './support/tokens.ts';

let bed: TestBed;
let admin: string;
let sender: string;

before(async () => {
  bed = await createTestBed('notif_service');
  await bed.start();
  admin = await bed.admin();
  sender = await bed.sender();
  const template = {
    email: { subject: 'Your code', body: '<p>Code {{code}}</p>' },
    sms: { body: 'Code {{code}}' },
    push: { subject: 'Code', body: 'Code {{code}}' },
  };
  assert.equal(
    (await bed.call('PUT', '/v1/templates/auth.otp/en', { token: admin, body: template })).status,
    201,
  );
  const german = { email: { subject: 'Dein Code', body: '<p>Code {{code}}</p>' } };
  assert.equal(
    (await bed.call('PUT', '/v1/templates/auth.otp/de', { token: admin, body: german })).status,
    201,
  );
});
after(() => bed.cleanup());

const send = (body: Record<string, unknown>, token = sender, headers: Record<string, string> = {}) =>
  bed.call('POST', '/v1/notifications', { token, body, headers });

describe('users', () => {
  test('the user themself or an admin; anyone else 403, no token 401', async () => {
    const ann = await tokenFor('ann');
    const contacts = { email: 'ann@example.test', phone: '+14155550100', pushToken: 'ann-device' };
    assert.equal(
      (await bed.call('PUT', '/v1/users/ann/contacts', { token: ann, body: contacts })).status,
      200,
    );
    assert.deepEqual((await bed.call('GET', '/v1/users/ann/contacts', { token: admin })).body, {
      userId: 'ann',
      ...contacts,
    });
    const bob = await tokenFor('bob');
    assert.equal((await bed.call('GET', '/v1/users/ann/contacts', { token: bob })).status, 403);
    assert.equal(
      (await bed.call('PUT', '/v1/users/ann/contacts', { token: bob, body: contacts })).status,
      403,
    );
    assert.equal((await bed.call('GET', '/v1/users/ann/contacts')).status, 401);
    assert.equal((await bed.call('GET', '/v1/users/bob/contacts', { token: bob })).status, 404);
  });

  test('preferences: defaults until set, then what was set; bad zone, time or locale 400', async () => {
    const ann = await tokenFor('ann');
    const initial = await bed.call('GET', '/v1/users/ann/preferences', { token: ann });
    assert.equal(initial.body.timezone, 'UTC');
    const prefs = {
      timezone: 'Europe/Berlin',
      locale: 'de',
      quietHours: { start: '22:00', end: '07:00' },
      categories: { marketing: { sms: true } },
    };
    const put = await bed.call('PUT', '/v1/users/ann/preferences', { token: ann, body: prefs });
    assert.equal(put.status, 200);
    const read = await bed.call('GET', '/v1/users/ann/preferences', { token: ann });
    assert.deepEqual(read.body.quietHours, { start: '22:00', end: '07:00' });
    assert.deepEqual(read.body.categories, {
      transactional: { email: true, sms: true, push: true },
      marketing: { email: true, sms: true, push: false },
    });
    for (const bad of [
      { timezone: 'Mars/Olympus' },
      { quietHours: { start: '25:00', end: '07:00' } },
      { locale: 'GERMAN' },
    ]) {
      assert.equal(
        (await bed.call('PUT', '/v1/users/ann/preferences', { token: ann, body: bad })).status,
        400,
      );
    }
  });
});

describe('templates and segments are admin only', () => {
  test('403 without the admin scope; versions count up', async () => {
    const body = { sms: { body: 'hi' } };
    assert.equal((await bed.call('PUT', '/v1/templates/x.y/en', { token: sender, body })).status, 403);
    const first = await bed.call('PUT', '/v1/templates/x.y/en', { token: admin, body });
    const second = await bed.call('PUT', '/v1/templates/x.y/en', { token: admin, body });
    assert.equal(first.body.version, 1);
    assert.equal(second.body.version, 2);
    assert.equal((await bed.call('PUT', '/v1/templates/x.y/en', { token: admin, body: {} })).status, 400);
    assert.equal((await bed.call('PUT', '/v1/segments/vip', { token: sender, body: {} })).status, 403);
    assert.equal(
      (await bed.call('PUT', '/v1/segments/vip', { token: admin, body: { description: 'VIPs' } })).status,
      200,
    );
    const added = await bed.call('POST', '/v1/segments/vip/members', {
      token: admin,
      body: { userIds: ['ann', 'bob'] },
    });
    assert.equal(added.body.added, 2);
    assert.equal((await bed.call('GET', '/v1/segments/vip', { token: admin })).body.size, 2);
    assert.equal(
      (await bed.call('POST', '/v1/segments/none/members', { token: admin, body: { userIds: ['a'] } }))
        .status,
      404,
    );
  });
});

describe('POST /v1/notifications', () => {
  test('bad inputs 400, missing scope 403, too many userIds 400, segment without admin 403', async () => {
    const ok = {
      eventId: randomUUID(),
      userIds: ['ann'],
      category: 'transactional',
      template: 'auth.otp',
      data: { code: '1' },
    };
    assert.equal((await send({ ...ok, category: 'spam' })).status, 400);
    assert.equal((await send({ ...ok, eventId: 'not-a-uuid' })).status, 400);
    assert.equal((await send({ ...ok, segment: 'vip' })).status, 400, 'userIds and segment together');
    assert.equal((await send({ ...ok, template: 'no.such' })).body.code, 'TEMPLATE_NOT_FOUND');
    assert.equal((await send({ ...ok, data: {} })).body.code, 'TEMPLATE_DATA_MISSING');
    const tooMany = Array.from({ length: 1_001 }, (_, i) => `u${i}`);
    assert.equal((await send({ ...ok, userIds: tooMany })).status, 400);
    assert.equal((await send(ok, await tokenFor('ann'))).status, 403);
    const { userIds: _, ...withoutUsers } = ok;
    assert.equal((await send({ ...withoutUsers, segment: 'vip' })).status, 403);
    assert.equal((await send({ ...withoutUsers, segment: 'missing' }, admin)).status, 404);
  });

  test('delivered on every channel, rendered in the user locale, statuses from the webhooks', async () => {
    const eventId = randomUUID();
    const body = {
      eventId,
      userIds: ['ann'],
      category: 'transactional',
      template: 'auth.otp',
      data: { code: '4711' },
    };
    const accepted = await send(body, sender, { 'idempotency-key': `k-${eventId}` });
    assert.equal(accepted.status, 202);
    assert.deepEqual(accepted.body, { eventId, queued: 3, skipped: 0, duplicates: 0 });
    const replay = await send(body, sender, { 'idempotency-key': `k-${eventId}` });
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    // Same event id without the key: the unique constraint makes it a no-op.
    assert.deepEqual((await send(body)).body, { eventId, queued: 0, skipped: 0, duplicates: 3 });
    const counts = await withPool(bed.db.url, (pool) =>
      settle(pool, eventId, ['delivered'], { expected: 3 }),
    );
    assert.deepEqual(counts, { delivered: 3 });
    const received = bed.sim.simulator.recordings.list({ limit: 100 }).filter((r) => r.body.includes('4711'));
    assert.equal(received.length, 3, 'one per channel, no duplicates');
    const email = received.find((r) => r.channel === 'email');
    assert.equal(email?.subject, 'Dein Code', 'ann prefers German');
    const status = await bed.call('GET', `/v1/notifications/${eventId}`, { token: sender });
    assert.deepEqual(status.body, { eventId, counts: { delivered: 3 } });
  });

  test('a hard bounce suppresses the address; the next request skips it', async () => {
    const token = await tokenFor('carl');
    await bed.call('PUT', '/v1/users/carl/contacts', { token, body: { email: 'bounce-carl@example.test' } });
    const first = randomUUID();
    await send({
      eventId: first,
      userIds: ['carl'],
      category: 'transactional',
      template: 'auth.otp',
      data: { code: '1' },
    });
    assert.deepEqual(await withPool(bed.db.url, (pool) => settle(pool, first, ['bounced'])), { bounced: 1 });
    const second = randomUUID();
    const again = await send({
      eventId: second,
      userIds: ['carl'],
      category: 'transactional',
      template: 'auth.otp',
      data: { code: '2' },
    });
    // email suppressed; carl has no phone or push token
    assert.deepEqual(again.body, { eventId: second, queued: 0, skipped: 3, duplicates: 0 });
  });
});

describe('webhooks', () => {
  const hook = (body: object, t: number, secret = WEBHOOK_SECRET) => {
    const text = canonicalJson(body);
    const mac = createHmac('sha256', secret).update(`${t}.${text}`).digest('hex');
    return bed.call('POST', '/v1/webhooks/provider-sim', {
      body: text,
      headers: { 'x-signature': `t=${t},v1=${mac}` },
    });
  };
  const event = () => ({
    id: randomUUID(),
    type: 'delivered',
    messageId: randomUUID(),
    provider: 'sms-primary',
    channel: 'sms',
    occurredAt: new Date().toISOString(),
  });
  const now = () => Math.floor(Date.now() / 1000);

  test('bad signature, wrong secret, old timestamp or no header: 401', async () => {
    assert.equal((await hook(event(), now(), 'w'.repeat(40))).status, 401);
    assert.equal((await hook(event(), now() - 3_600)).status, 401);
    const unsigned = await bed.call('POST', '/v1/webhooks/provider-sim', { body: event() });
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.body.code, 'WEBHOOK_SIGNATURE_INVALID');
  });

  test('a verified webhook is applied once; its retry is recognised', async () => {
    const body = event();
    assert.equal(
      (await hook(body, now())).body.result,
      'ignored',
      'unknown message: acknowledged, nothing moved',
    );
    assert.equal((await hook(body, now())).body.result, 'duplicate');
    assert.equal((await hook({ ...event(), type: 'exploded' }, now())).status, 400);
  });
});

test('readiness answers while the workers run', async () => {
  await waitUntil(async () => (await bed.call('GET', '/health/ready')).status === 200, { message: 'ready' });
});
