// Keeps notifications' openapi.yaml honest: the documented operations are exactly the route
// table, and a tour of the API (successes and every error path) only gives documented answers,
// each checked by @lab/testkit's openApiContract (status, content type, headers, Ajv 2020-12 body).
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { canonicalJson } from '@lab/service-kit';
import { type CallOptions, openApiContract } from '@lab/testkit';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { type HttpDeps, routes } from '../src/http/routes.ts';
import { TIME_ZONES } from '../src/http/schemas.ts';
import { createTestBed, type Notifications, type TestBed, WEBHOOK_SECRET } from './support/testbed.ts';
import { tokenFor } from './support/tokens.ts';

const contract = openApiContract(new URL('../openapi.yaml', import.meta.url));

test('the time zones the document lists are exactly those the service accepts', () => {
  const timeZone = contract.document.components?.schemas?.TimeZone as { enum?: string[] } | undefined;
  assert.deepEqual(timeZone?.enum, TIME_ZONES);
});

test('the document is OpenAPI 3.1 and lists exactly the routes the service mounts', () => {
  const noop: RequestHandler = (_req, _res, next) => next();
  const deps = { pool: {} as pg.Pool, auth: noop, idempotency: () => noop } as unknown as HttpDeps;
  contract.assertRoutes(routes(deps));
});

let bed: TestBed;
let service: Notifications;
before(async () => {
  bed = await createTestBed('notif_openapi');
  service = await bed.start({ INTAKE_FROM_KAFKA: 'false' });
});
after(() => bed.cleanup());

type Visit = (method: string, path: string, options?: CallOptions) => Promise<unknown>;
const visit: Visit = (method, path, options) => contract.call(service.url, method, path, options);

function signed(body: object, t = Math.floor(Date.now() / 1000)) {
  const text = canonicalJson(body);
  const mac = createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${text}`).digest('hex');
  return { body: text, headers: { 'x-signature': `t=${t},v1=${mac}` } };
}

async function tourUsers(admin: string) {
  const ann = await tokenFor('ann');
  const bob = await tokenFor('bob');
  await visit('GET', '/v1/users/ann/contacts', { token: ann }); // 404
  await visit('PUT', '/v1/users/ann/contacts', {
    token: ann,
    body: { email: 'ann@example.test' },
  });
  await visit('PUT', '/v1/users/ann/contacts', { token: ann, body: { email: 'nope' } });
  await visit('PUT', '/v1/users/ann/contacts', { token: bob, body: {} });
  await visit('PUT', '/v1/users/ann/contacts', { body: {} });
  await visit('PUT', '/v1/users/ann/contacts', { token: ann, body: '{' });
  await visit('PUT', '/v1/users/ann/contacts', {
    token: ann,
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  await visit('PUT', '/v1/users/ann/contacts', {
    token: ann,
    body: { pushToken: 'x'.repeat(200_000) },
  });
  await visit('GET', '/v1/users/ann/contacts', { token: admin });
  await visit('GET', '/v1/users/ann/contacts', { token: bob });
  await visit('GET', '/v1/users/ann/contacts');
  await visit('GET', `/v1/users/${'x'.repeat(200)}/contacts`, { token: admin });
  await visit('GET', '/v1/users/ann/preferences', { token: ann });
  const good = { timezone: 'Asia/Tokyo', locale: 'ja', quietHours: { start: '23:00', end: '06:00' } };
  await visit('PUT', '/v1/users/ann/preferences', { token: ann, body: good });
  await visit('PUT', '/v1/users/ann/preferences', {
    token: ann,
    body: { timezone: 'Nowhere/Else' },
  });
  await visit('PUT', '/v1/users/ann/preferences', { token: bob, body: good });
  await visit('PUT', '/v1/users/ann/preferences', { body: good });
  await visit('PUT', '/v1/users/ann/preferences', { token: ann, body: '[' });
  await visit('PUT', '/v1/users/ann/preferences', {
    token: ann,
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  await visit('PUT', '/v1/users/ann/preferences', {
    token: ann,
    body: { locale: 'x'.repeat(200_000) },
  });
  await visit('GET', '/v1/users/ann/preferences', { token: bob });
  await visit('GET', '/v1/users/ann/preferences');
  await visit('GET', `/v1/users/${'x'.repeat(200)}/preferences`, { token: admin });
}

async function tourTemplatesAndSegments(admin: string) {
  const user = await tokenFor('ann');
  const template = {
    email: { subject: 'Hi {{name}}', body: '<p>{{name}}</p>' },
    sms: { body: 'Hi {{name}}' },
  };
  await visit('PUT', '/v1/templates/greet/en', { token: admin, body: template });
  await visit('PUT', '/v1/templates/greet/EN', { token: admin, body: template });
  await visit('PUT', '/v1/templates/greet/en', { token: user, body: template });
  await visit('PUT', '/v1/templates/greet/en', { body: template });
  await visit('PUT', '/v1/templates/greet/en', { token: admin, body: '{' });
  await visit('PUT', '/v1/templates/greet/en', {
    token: admin,
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  await visit('PUT', '/v1/templates/greet/en', {
    token: admin,
    body: { sms: { body: 'x'.repeat(200_000) } },
  });
  await visit('GET', '/v1/templates/greet', { token: admin });
  await visit('GET', '/v1/templates/none', { token: admin });
  await visit('GET', '/v1/templates/Bad!', { token: admin });
  await visit('GET', '/v1/templates/greet', { token: user });
  await visit('GET', '/v1/templates/greet');
  await visit('PUT', '/v1/segments/vip', { token: admin, body: { description: 'VIPs' } });
  await visit('PUT', '/v1/segments/vip', { token: admin, body: { size: 1 } });
  await visit('PUT', '/v1/segments/vip', { token: user, body: {} });
  await visit('PUT', '/v1/segments/vip', { body: {} });
  await visit('PUT', '/v1/segments/vip', {
    token: admin,
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  await visit('PUT', '/v1/segments/vip', {
    token: admin,
    body: { description: 'x'.repeat(200_000) },
  });
  await visit('GET', '/v1/segments/vip', { token: admin });
  await visit('GET', '/v1/segments/none', { token: admin });
  await visit('GET', '/v1/segments/BAD', { token: admin });
  await visit('GET', '/v1/segments/vip', { token: user });
  await visit('GET', '/v1/segments/vip');
  await visit('POST', '/v1/segments/vip/members', { token: admin, body: { userIds: ['ann'] } });
  await visit('POST', '/v1/segments/vip/members', { token: admin, body: { userIds: [] } });
  await visit('POST', '/v1/segments/none/members', {
    token: admin,
    body: { userIds: ['ann'] },
  });
  await visit('POST', '/v1/segments/vip/members', { token: user, body: { userIds: ['ann'] } });
  await visit('POST', '/v1/segments/vip/members', { body: { userIds: ['ann'] } });
  await visit('POST', '/v1/segments/vip/members', {
    token: admin,
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  await visit('POST', '/v1/segments/vip/members', {
    token: admin,
    body: { userIds: ['x'.repeat(200_000)] },
  });
}

async function tourSends(admin: string) {
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
  await visit('POST', path, { token: admin, body, headers: key });
  await visit('POST', path, {
    token: admin,
    body: { ...body, data: { name: 'Bob' } },
    headers: key,
  }); // 422
  await visit('POST', path, { token: admin, body: { ...body, category: 'spam' } });
  await visit('POST', path, {
    token: admin,
    body: { ...body, eventId: randomUUID(), segment: 'none', userIds: undefined },
  });
  await visit('POST', path, { token: user, body });
  await visit('POST', path, { body });
  await visit('POST', path, {
    token: admin,
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  await visit('POST', path, {
    token: admin,
    body: { ...body, data: { name: 'x'.repeat(200_000) } },
  });
  const slow = { ...body, eventId: randomUUID() };
  const inFlight = { 'idempotency-key': `slow-${slow.eventId}` };
  // Two at once with one key: one 202, the other a replayed 202 or a 409 (still in flight).
  await Promise.all(
    Array.from({ length: 2 }, () => visit('POST', path, { token: admin, body: slow, headers: inFlight })),
  );
  await visit('GET', `/v1/notifications/${body.eventId}`, { token: admin });
  await visit('GET', `/v1/notifications/${randomUUID()}`, { token: admin });
  await visit('GET', '/v1/notifications/nope', { token: admin });
  await visit('GET', `/v1/notifications/${body.eventId}`, { token: user });
  await visit('GET', `/v1/notifications/${body.eventId}`);
}

async function tourWebhooks() {
  const path = '/v1/webhooks/provider-sim';
  const report = {
    id: randomUUID(),
    type: 'delivered',
    messageId: randomUUID(),
    provider: 'sms-primary',
    channel: 'sms',
    occurredAt: new Date().toISOString(),
  };
  await visit('POST', path, signed(report));
  await visit('POST', path, signed({ ...report, type: 'lost' }));
  await visit('POST', path, signed(report, 1_000));
  await visit('POST', path, { body: report });
  await visit('POST', path, { headers: { 'content-type': 'text/plain' }, body: 'x' });
  await visit('POST', path, { body: { pad: 'x'.repeat(200_000) } });
}

test('a tour of the API: every answer is documented and matches its schema', async () => {
  const admin = await tokenFor('ops', ['admin', 'notifications:send']);
  await tourUsers(admin);
  await tourTemplatesAndSegments(admin);
  await tourSends(admin);
  await tourWebhooks();
  await visit('GET', '/health/live');
  await visit('GET', '/health/ready');
  await visit('GET', '/metrics');
  contract.assertExercised();
});
