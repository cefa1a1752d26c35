// Keeps openapi.yaml honest: (1) its paths and methods are exactly the service's route table (plus
// service-kit's health and metrics endpoints, and HEAD on the redirect); (2) every response the
// running service gives on a tour of the API is checked by @lab/testkit's openApiContract: a
// documented status, content type and headers, and a JSON body (and every accepted request body)
// that validates against the document's schema with Ajv's JSON Schema 2020-12 validator.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CallOptions, openApiContract } from '@lab/testkit';
import type { RequestHandler } from 'express';
import { type HttpDeps, routes } from '../src/http/routes.ts';
import { call, createTestBed, type Running, type TestBed } from './support.ts';

const contract = openApiContract(new URL('../openapi.yaml', import.meta.url));

test('the document is OpenAPI 3.1 and lists exactly the routes the service mounts', () => {
  const noop: RequestHandler = (_req, _res, next) => next();
  const table = routes({ auth: noop, idempotency: () => noop, limiter: {} } as unknown as HttpDeps);
  // express answers HEAD for every GET route; the document lists it for the redirect only.
  contract.assertRoutes(table, { alsoDocumented: ['head /{code}'] });
});

let bed: TestBed;
let svc: Running;
before(async () => {
  bed = await createTestBed('urlsh_openapi');
  svc = await bed.start();
});
after(() => bed?.cleanup());

const visit = (method: string, path: string, options?: CallOptions) =>
  contract.call(svc.url, method, path, options);

/** A limited tier's answers carry its quota (the document leaves them optional: unlimited tiers get none). */
function assertQuotaHeaders(reply: { headers: Headers }): void {
  for (const name of ['RateLimit', 'RateLimit-Policy']) assert.ok(reply.headers.get(name), `${name} header`);
}

test('a tour of the API: every answer is documented and matches its schema', async () => {
  const token = await bed.token();
  const other = await bed.token({ sub: 'someone-else' });
  const created = await visit('POST', '/v1/urls', {
    token,
    body: { url: 'https://example.com/tour', expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
  });
  assertQuotaHeaders(created);
  const code = created.body.code as string;
  await visit('POST', '/v1/urls', {
    token,
    body: { url: 'https://example.com/a', alias: 'tour-alias', redirect: 301 },
  });
  await visit('POST', '/v1/urls', {
    token,
    body: { url: 'https://example.com/b', alias: 'tour-alias' },
  }); // 409
  await visit('POST', '/v1/urls', { token, body: { url: 'ftp://example.com/' } }); // 400
  await visit('POST', '/v1/urls', { token, body: '{"url":' }); // 400 malformed
  await visit('POST', '/v1/urls', { body: { url: 'https://example.com' } }); // 401
  await visit('POST', '/v1/urls', { token, body: 'x', headers: { 'content-type': 'text/plain' } }); // 415
  await visit('POST', '/v1/urls', {
    token,
    body: { url: `https://e.example/${'a'.repeat(200_000)}` },
  }); // 413
  const key = { 'idempotency-key': 'tour-key' };
  await visit('POST', '/v1/urls', { token, body: { url: 'https://example.com/i' }, headers: key });
  await visit('POST', '/v1/urls', { token, body: { url: 'https://example.com/i' }, headers: key }); // replay
  await visit('POST', '/v1/urls', { token, body: { url: 'https://example.com/j' }, headers: key }); // 422
  const free = await bed.token({ sub: 'tour-free', tier: 'free' });
  for (let i = 0; i < 100; i += 1)
    await call(svc.url, 'POST', '/v1/urls', { token: free, body: { url: `https://e.example/${i}` } });
  assertQuotaHeaders(
    await visit('POST', '/v1/urls', { token: free, body: { url: 'https://e.example/over' } }),
  ); // 429
  await visit('GET', '/v1/urls?limit=1', { token });
  await visit('GET', '/v1/urls?cursor=nope', { token }); // 400
  await visit('GET', '/v1/urls'); // 401
  await visit('GET', `/v1/urls/${code}`);
  await visit('GET', '/v1/urls/Missing1');
  await visit('GET', `/${code}`);
  await visit('GET', '/tour-alias'); // 301
  await visit('HEAD', `/${code}`);
  await visit('HEAD', '/Missing1');
  await visit('GET', '/Missing1');
  await visit('GET', `/v1/urls/${code}/stats`, { token });
  await visit('GET', `/v1/urls/${code}/stats`, { token: other }); // 403
  await visit('GET', '/v1/urls/Missing1/stats', { token }); // 404
  await visit('GET', `/v1/urls/${code}/stats`); // 401
  await visit('DELETE', `/v1/urls/${code}`, { token: other }); // 403
  await visit('DELETE', `/v1/urls/${code}`); // 401
  await visit('DELETE', '/v1/urls/Missing1', { token }); // 404
  await visit('DELETE', `/v1/urls/${code}`, { token });
  await visit('GET', `/${code}`); // 410
  await visit('HEAD', `/${code}`); // 410
  await visit('GET', `/v1/urls/${code}`); // 410
  await visit('GET', '/health/live');
  await visit('GET', '/health/ready');
  await visit('GET', '/metrics');
  contract.assertExercised();
});
