// Keeps notifications' openapi.yaml honest: the documented operations are exactly the route
// table, and a tour of the API (successes and every error path) only gives documented answers.
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { canonicalJson } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { type HttpDeps, routes } from '../src/http/routes.ts';
import { TIME_ZONES } from '../src/http/schemas.ts';
import { assertRoutesMatch, createTour, loadSpec } from './support/openapi-contract.ts';
import { createTestBed, type Notifications, type TestBed, WEBHOOK_SECRET } from './support/testbed.ts';
import { tokenFor } from './support/tokens.ts';

const spec = loadSpec(new URL('../openapi.yaml', import.meta.url));

test('the time zones the document lists are exactly those the service accepts', () => {
  assert.deepEqual(spec.components.schemas?.TimeZone?.enum, TIME_ZONES);
});

test('the document is OpenAPI 3.1 and lists exactly the routes the service mounts', () => {
  const noop: RequestHandler = (_req, _res, next) => next();
  const deps = { pool: {} as pg.Pool, auth: noop, idempotency: () => noop } as unknown as HttpDeps;
  assertRoutesMatch(spec, routes(deps));
});

let bed: TestBed;
let service: Notifications;
before(async () => {
  bed = await createTestBed('notif_openapi');
  service = await bed.start({ INTAKE_FROM_KAFKA: 'false' });
});
after(() => bed.cleanup());

function signed(body: object, t = Math.floor(Date.now() / 1000)) {
  const text = canonicalJson(body);
  const mac = createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${text}`).digest('hex');
  return { body: text, headers: { 'x-signature': `t=${t},v1=${mac}` } };
}

async function tourUsers(tour: ReturnType<typeof createTour>, admin: string) {
  const ann = await tokenFor('ann');
  const bob = await tokenFor('bob');
  const contacts = '/v1/users/{id}/contacts';
  const prefs = '/v1/users/{id}/preferences';
  await tour.visit('GET', '/v1/users/ann/contacts', contacts, { token: ann }); // 404
  await tour.visit('PUT', '/v1/users/ann/contacts', contacts, {
    token: ann,
    body: { email: 'ann@example.test' },
  });
  await tour.visit('PUT', '/v1/users/ann/contacts', contacts, { token: ann, body: { email: 'nope' } });
  await tour.visit('PUT', '/v1/users/ann/contacts', contacts, { token: bob, body: {} });
  await tour.visit('PUT', '/v1/users/ann/contacts', contacts, { body: {} });
  await tour.visit('PUT', '/v1/users/ann/contacts', contacts, { token: ann, body: '{' });
  await tour.visit('PUT', '/v1/users/ann/contacts', contacts, {
    token: ann,
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  await tour.visit('PUT', '/v1/users/ann/contacts', contacts, {
    token: ann,
    body: { pushToken: 'x'.repeat(200_000) },
  });
  await tour.visit('GET', '/v1/users/ann/contacts', contacts, { token: admin });
  await tour.visit('GET', '/v1/users/ann/contacts', contacts, { token: bob });
  await tour.visit('GET', '/v1/users/ann/contacts', contacts);
  await tour.visit('GET', `/v1/users/${'x'.repeat(200)}/contacts`, contacts, { token: admin });
  await tour.visit('GET', '/v1/users/ann/preferences', prefs, { token: ann });
  const good = { timezone: 'Asia/Tokyo', locale: 'ja', quietHours: { start: '23:00', end: '06:00' } };
  await tour.visit('PUT', '/v1/users/ann/preferences', prefs, { token: ann, body: good });
  await tour.visit('PUT', '/v1/users/ann/preferences', prefs, {
    token: ann,
    body: { timezone: 'Nowhere/Else' },
  });
  await tour.visit('PUT', '/v1/users/ann/preferences', prefs, { token: bob, body: good });
  await tour.visit('PUT', '/v1/users/ann/preferences', prefs, { body: good });
  await tour.visit('PUT', '/v1/users/ann/preferences', prefs, { token: ann, body: '[' });
  await tour.visit('PUT', '/v1/users/ann/preferences', prefs, {
    token: ann,
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  await tour.visit('PUT', '/v1/users/ann/preferences', prefs, {
    token: ann,
    body: { locale: 'x'.repeat(200_000) },
  });
  await tour.visit('GET', '/v1/users/ann/preferences', prefs, { token: bob });
  await tour.visit('GET', '/v1/users/ann/preferences', prefs);
  await tour.visit('GET', `/v1/users/${'x'.repeat(200)}/preferences`, prefs, { token: admin });
}

async function tourTemplatesAndSegments(tour: ReturnType<typeof createTour>, admin: string) {
  const user = await tokenFor('ann');
  const put = '/v1/templates/{name}/{locale}';
  const template = {
    email: { subject: 'Hi {{name}}', body: '<p>{{name}}</p>' },
    sms: { body: 'Hi {{name}}' },
  };
  await tour.visit('PUT', '/v1/templates/greet/en', put, { token: admin, body: template });
  await tour.visit('PUT', '/v1/templates/greet/EN', put, { token: admin, body: template });
  await tour.visit('PUT', '/v1/templates/greet/en', put, { token: user, body: template });
  await tour.visit('PUT', '/v1/templates/greet/en', put, { body: template });
  await tour.visit('PUT', '/v1/templates/greet/en', put, { token: admin, body: '{' });
  await tour.visit('PUT', '/v1/templates/greet/en', put, {
    token: admin,
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  await tour.visit('PUT', '/v1/templates/greet/en', put, {
    token: admin,
    body: { sms: { body: 'x'.repeat(200_000) } },
  });
  await tour.visit('GET', '/v1/templates/greet', '/v1/templates/{name}', { token: admin });
  await tour.visit('GET', '/v1/templates/none', '/v1/templates/{name}', { token: admin });
  await tour.visit('GET', '/v1/templates/Bad!', '/v1/templates/{name}', { token: admin });
  await tour.visit('GET', '/v1/templates/greet', '/v1/templates/{name}', { token: user });
  await tour.visit('GET', '/v1/templates/greet', '/v1/templates/{name}');
  const seg = '/v1/segments/{name}';
  await tour.visit('PUT', '/v1/segments/vip', seg, { token: admin, body: { description: 'VIPs' } });
  await tour.visit('PUT', '/v1/segments/vip', seg, { token: admin, body: { size: 1 } });
  await tour.visit('PUT', '/v1/segments/vip', seg, { token: user, body: {} });
  await tour.visit('PUT', '/v1/segments/vip', seg, { body: {} });
  await tour.visit('PUT', '/v1/segments/vip', seg, {
    token: admin,
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  await tour.visit('PUT', '/v1/segments/vip', seg, {
    token: admin,
    body: { description: 'x'.repeat(200_000) },
  });
  await tour.visit('GET', '/v1/segments/vip', seg, { token: admin });
  await tour.visit('GET', '/v1/segments/none', seg, { token: admin });
  await tour.visit('GET', '/v1/segments/BAD', seg, { token: admin });
  await tour.visit('GET', '/v1/segments/vip', seg, { token: user });
  await tour.visit('GET', '/v1/segments/vip', seg);
  const members = '/v1/segments/{name}/members';
  await tour.visit('POST', '/v1/segments/vip/members', members, { token: admin, body: { userIds: ['ann'] } });
  await tour.visit('POST', '/v1/segments/vip/members', members, { token: admin, body: { userIds: [] } });
  await tour.visit('POST', '/v1/segments/none/members', members, {
    token: admin,
    body: { userIds: ['ann'] },
  });
  await tour.visit('POST', '/v1/segments/vip/members', members, { token: user, body: { userIds: ['ann'] } });
  await tour.visit('POST', '/v1/segments/vip/members', members, { body: { userIds: ['ann'] } });
  await tour.visit('POST', '/v1/segments/vip/members', members, {
    token: admin,
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  await tour.visit('POST', '/v1/segments/vip/members', members, {
    token: admin,
    body: { userIds: ['x'.repeat(200_000)] },
  });
}

async function tourSends(tour: ReturnType<typeof createTour>, admin: string) {
  const user = await tokenFor('ann');
  const path = '/v1/notifications';
  const body = {
    eventId: randomUUID(),
    userIds: ['ann'],
    category: 'transactional',
    template: 'greet',
    data: { name: 'Ann' },
  };
  const key = { 'idempotency-key': `tour-${body.eventId}` };
  await tour.visit('POST', path, path, { token: admin, body, headers: key });
  await tour.visit('POST', path, path, {
    token: admin,
    body: { ...body, data: { name: 'Bob' } },
    headers: key,
  }); // 422
  await tour.visit('POST', path, path, { token: admin, body: { ...body, category: 'spam' } });
  await tour.visit('POST', path, path, {
    token: admin,
    body: { ...body, eventId: randomUUID(), segment: 'none', userIds: undefined },
  });
  await tour.visit('POST', path, path, { token: user, body });
  await tour.visit('POST', path, path, { body });
  await tour.visit('POST', path, path, {
    token: admin,
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  await tour.visit('POST', path, path, {
    token: admin,
    body: { ...body, data: { name: 'x'.repeat(200_000) } },
  });
  const slow = { ...body, eventId: randomUUID() };
  const inFlight = { 'idempotency-key': `slow-${slow.eventId}` };
  // Two at once with one key: one 202, the other a replayed 202 or a 409 (still in flight).
  await Promise.all(
    Array.from({ length: 2 }, () =>
      tour.visit('POST', path, path, { token: admin, body: slow, headers: inFlight }),
    ),
  );
  const one = '/v1/notifications/{eventId}';
  await tour.visit('GET', `/v1/notifications/${body.eventId}`, one, { token: admin });
  await tour.visit('GET', `/v1/notifications/${randomUUID()}`, one, { token: admin });
  await tour.visit('GET', '/v1/notifications/nope', one, { token: admin });
  await tour.visit('GET', `/v1/notifications/${body.eventId}`, one, { token: user });
  await tour.visit('GET', `/v1/notifications/${body.eventId}`, one);
}

async function tourWebhooks(tour: ReturnType<typeof createTour>) {
  const path = '/v1/webhooks/provider-sim';
  const report = {
    id: randomUUID(),
    type: 'delivered',
    messageId: randomUUID(),
    provider: 'sms-primary',
    channel: 'sms',
    occurredAt: new Date().toISOString(),
  };
  await tour.visit('POST', path, path, signed(report));
  await tour.visit('POST', path, path, signed({ ...report, type: 'lost' }));
  await tour.visit('POST', path, path, signed(report, 1_000));
  await tour.visit('POST', path, path, { body: report });
  await tour.visit('POST', path, path, { headers: { 'content-type': 'text/plain' }, body: 'x' });
  await tour.visit('POST', path, path, { body: { pad: 'x'.repeat(200_000) } });
}

test('a tour of the API: every answer is documented and matches its schema', async () => {
  const tour = createTour(spec, () => service.url);
  const admin = await tokenFor('ops', ['admin', 'notifications:send']);
  await tourUsers(tour, admin);
  await tourTemplatesAndSegments(tour, admin);
  await tourSends(tour, admin);
  await tourWebhooks(tour);
  await tour.visit('GET', '/health/live', '/health/live');
  await tour.visit('GET', '/health/ready', '/health/ready');
  await tour.visit('GET', '/metrics', '/metrics');
  tour.done();
});
