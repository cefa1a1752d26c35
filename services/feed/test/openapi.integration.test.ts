// Keeps openapi.yaml honest: (1) its paths and methods are exactly the service's route table (plus
// service-kit's health and metrics endpoints); (2) a tour of the API against the running service,
// each answer checked by @lab/testkit's openApiContract: its status is documented for that
// operation, with a documented content type, a body that validates against the documented schema
// (Ajv, JSON Schema 2020-12, which OpenAPI 3.1 uses) and the documented headers; (3) every
// documented operation is visited.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CallOptions, openApiContract } from '@lab/testkit';
import type { RequestHandler } from 'express';
import { type HttpDeps, routes } from '../src/http/routes.ts';
import { openStream } from './sse-client.ts';
import { call, createTestBed, type Running, type TestBed } from './support.ts';

const contract = openApiContract(new URL('../openapi.yaml', import.meta.url));

test('the document is OpenAPI 3.1 and lists exactly the routes the service mounts', () => {
  const noop: RequestHandler = (_req, _res, next) => next();
  const table = routes({
    auth: noop,
    idempotency: () => noop,
    postLimit: noop,
    followLimit: noop,
    stream: noop,
  } as unknown as HttpDeps);
  contract.assertRoutes(table);
});

let bed: TestBed;
let svc: Running;
before(async () => {
  bed = await createTestBed('feed_openapi');
  svc = await bed.start({ POSTS_PER_MINUTE: '6', MAX_FOLLOWING: '2', SSE_MAX_PER_USER: '1' });
});
after(() => bed.cleanup());

const visit = (method: string, path: string, options?: CallOptions) =>
  contract.call(svc.url, method, path, options);

/** A limited tier's answers carry its quota (the document leaves them optional: unlimited tiers get none). */
function assertQuotaHeaders(reply: { headers: Headers }): void {
  for (const name of ['RateLimit', 'RateLimit-Policy']) assert.ok(reply.headers.get(name), `${name} header`);
}

test('a tour of the API: every answer is documented and matches its schema', async () => {
  const ann = await bed.token('ann');
  const bob = await bed.token('bob');
  const odd = await bed.token('has space');
  await visit('GET', '/v1/feed', { token: bob }); // bob exists; popular (empty)
  const created = await visit('POST', '/v1/posts', { token: ann, body: { body: 'tour' } });
  await visit('POST', '/v1/posts', { token: ann, body: { body: '' } });
  await visit('POST', '/v1/posts', { token: ann, body: '{' });
  await visit('POST', '/v1/posts', { body: { body: 'x' } });
  await visit('POST', '/v1/posts', { token: odd, body: { body: 'x' } });
  await visit('POST', '/v1/posts', { token: ann, body: { body: 'x'.repeat(200_000) } });
  await visit('POST', '/v1/posts', {
    token: ann,
    body: 'plain',
    headers: { 'content-type': 'text/plain' },
  });
  const key = { 'idempotency-key': 'tour-1' };
  await visit('POST', '/v1/posts', { token: ann, body: { body: 'k' }, headers: key });
  await visit('POST', '/v1/posts', { token: ann, body: { body: 'k' }, headers: key }); // replay
  await visit('POST', '/v1/posts', { token: ann, body: { body: 'other' }, headers: key }); // 422
  const flood = await bed.token('flood');
  for (let i = 0; i < 6; i += 1)
    await call(svc.url, 'POST', '/v1/posts', { token: flood, body: { body: `f${i}` } });
  const limited = await visit('POST', '/v1/posts', {
    token: flood,
    body: { body: 'one too many' },
  });
  assert.equal(limited.status, 429);
  assertQuotaHeaders(limited);

  const id = created.body.id as string;
  await visit('DELETE', `/v1/posts/${id}`, { token: bob });
  await visit('DELETE', `/v1/posts/${id}`, { token: ann });
  await visit('DELETE', '/v1/posts/missing', { token: ann });
  await visit('DELETE', '/v1/posts/a.b', { token: ann });
  await visit('DELETE', `/v1/posts/${id}`);
  await visit('DELETE', `/v1/posts/${id}`, {
    token: ann,
    body: 'x',
    headers: { 'content-type': 'text/plain' },
  });
  await visit('DELETE', `/v1/posts/${id}`, {
    token: ann,
    body: { pad: 'x'.repeat(200_000) },
  });

  await visit('POST', '/v1/follows/ann', { token: bob, body: {} });
  await visit('POST', '/v1/follows/ann', { token: bob, body: {} }); // 200
  await visit('POST', '/v1/follows/ann', { token: bob, body: { extra: 1 } }); // 400
  await visit('POST', '/v1/follows/bob', { token: bob, body: {} }); // self
  await visit('POST', '/v1/follows/nobody', { token: bob, body: {} });
  await visit('POST', '/v1/follows/ann', { body: {} });
  await visit('POST', '/v1/follows/ann', {
    token: bob,
    body: 'x',
    headers: { 'content-type': 'text/plain' },
  });
  await visit('POST', '/v1/follows/flood', { token: bob, body: {} });
  await visit('POST', '/v1/follows/has%20space', { token: bob, body: {} }); // 400
  await call(svc.url, 'GET', '/v1/feed', { token: await bed.token('carl') });
  await visit('POST', '/v1/follows/carl', { token: bob, body: {} }); // 409 FOLLOW_LIMIT
  await visit('DELETE', '/v1/follows/flood', { token: bob });
  await visit('DELETE', '/v1/follows/%zz', { token: bob });
  await visit('DELETE', '/v1/follows/flood');

  const page = await visit('GET', '/v1/feed?limit=1', { token: bob });
  assert.equal(page.status, 200);
  await visit('GET', `/v1/feed?limit=1&cursor=${page.body.next_cursor}`, { token: bob });
  await visit('GET', '/v1/feed?cursor=nope', { token: bob });
  await visit('GET', '/v1/feed');
  await visit('GET', '/v1/feed', { token: odd });

  const stream = await openStream(svc.url, bob);
  assert.equal(stream.status, 200);
  contract.assertExchange({ method: 'GET', path: '/v1/feed/stream', ...stream, body: undefined });
  const second = await openStream(svc.url, bob);
  assert.equal(second.status, 503);
  contract.assertExchange({
    method: 'GET',
    path: '/v1/feed/stream',
    ...second,
    body: JSON.parse(second.body),
  });
  stream.close();
  await visit('GET', '/v1/feed/stream', { token: bob, headers: { 'last-event-id': 'x' } });
  await visit('GET', '/v1/feed/stream');

  await visit('GET', '/health/live');
  await visit('GET', '/health/ready');
  await visit('GET', '/metrics');
  contract.assertExercised();
});
