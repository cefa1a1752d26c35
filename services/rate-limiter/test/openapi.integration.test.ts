// Keeps openapi.yaml honest: (1) its paths and methods are exactly the service's route table (plus
// service-kit's health and metrics endpoints); (2) every status each route can return is listed
// below, and the document lists exactly those; (3) a tour of the API provokes every one of them
// (the few that need a broken dependency are named, with the test that covers them), and every
// answer, and every accepted request body, is checked by @lab/testkit's openApiContract (status,
// content type, headers, Ajv 2020-12 body). The CI contract fuzz (scripts/contract-fuzz.sh,
// Schemathesis) then sends what the document allows, and what it does not.
import assert from 'node:assert/strict';
import { type IncomingHttpHeaders, request } from 'node:http';
import { after, before, test } from 'node:test';
import { type CallOptions, openApiContract } from '@lab/testkit';
import type { RequestHandler } from 'express';
import type { HttpDeps } from '../src/http/routes.ts';
import { routes } from '../src/http/routes.ts';
import { call, createTestBed, type Running, type TestBed } from './support.ts';

const contract = openApiContract(new URL('../openapi.yaml', import.meta.url));

test('the document is OpenAPI 3.1 and lists exactly the routes the service mounts', () => {
  const noop: RequestHandler = (_req, _res, next) => next();
  const table = routes({
    auth: noop,
    idempotency: () => noop,
    jwtSecret: 'x'.repeat(32),
    demoGlobalPerSecond: 1,
  } as unknown as HttpDeps);
  contract.assertRoutes(table);
});

/**
 * Every status each operation can return. 413/415 come from service-kit's body gates on every body
 * route, 401/403 from requireAuth/requireScope; the rest from the handlers.
 */
const STATUSES: Record<string, number[]> = {
  'post /v1/check': [200, 400, 401, 403, 413, 415],
  'get /v1/rules': [200, 400],
  'post /v1/rules': [201, 400, 401, 403, 409, 413, 415, 422],
  'get /v1/rules/{name}': [200, 400, 404],
  'put /v1/rules/{name}': [200, 400, 401, 403, 404, 413, 415],
  'delete /v1/rules/{name}': [204, 400, 401, 403, 404],
  'get /v1/tiers': [200],
  'put /v1/tiers/{name}': [200, 400, 401, 403, 413, 415],
  'get /v1/tenants/{id}': [200, 400, 404],
  'put /v1/tenants/{id}': [200, 400, 401, 403, 413, 415],
  'get /v1/demo/protected': [200, 401, 429, 503],
  'get /health/live': [200],
  'get /health/ready': [200, 503],
  'get /metrics': [200],
};

/** Statuses the tour cannot provoke against a healthy stack, and where they are proven instead. */
const PROVEN_ELSEWHERE: Record<string, string> = {
  'get /v1/demo/protected 503':
    'Redis cut, fail-closed: packages/ratelimit/test/middleware.integration.test.ts',
  'get /health/ready 503':
    'dependency down or draining: packages/service-kit/test/readiness.integration.test.ts',
};

test('the document lists exactly the statuses each route can return', () => {
  for (const operation of contract.operations) {
    const documented = Object.keys(operation.node.responses as object)
      .map(Number)
      .sort();
    assert.deepEqual(documented, STATUSES[operation.key], operation.key);
  }
});

let bed: TestBed;
let svc: Running;
before(async () => {
  bed = await createTestBed('rate_limiter_openapi');
  svc = await bed.start();
});
after(() => bed.cleanup());

const visit = (method: string, path: string, options?: CallOptions) =>
  contract.call(svc.url, method, path, options);

/** A limited tier's answers carry its quota (the document leaves them optional: unlimited tiers get none). */
function assertQuotaHeaders(reply: { headers: Headers }): void {
  for (const name of ['RateLimit', 'RateLimit-Policy']) assert.ok(reply.headers.get(name), `${name} header`);
}

test('a tour of the API: every status of every route, each documented and matching its schema', async () => {
  const token = await bed.token({ scope: 'admin service rate-limiter:inline' });
  const plain = await bed.token({ sub: 'pat', tenant: 'plain-co' });
  const big = { headers: { 'content-type': 'application/json' }, body: `{"pad":"${'x'.repeat(150_000)}"}` };
  const text = { headers: { 'content-type': 'text/plain' }, body: 'limit=5' };
  const rule = { name: 'tour', algorithm: 'gcra', limit: 1, windowMs: 60_000, burst: 1 };
  await visit('POST', '/v1/rules', {
    token,
    body: rule,
    headers: { 'idempotency-key': 'tour-1' },
  });
  await visit('POST', '/v1/rules', { token, body: rule, headers: { 'idempotency-key': 'tour-1' } }); // replay
  await visit('POST', '/v1/rules', {
    token,
    body: { ...rule, limit: 2 },
    headers: { 'idempotency-key': 'tour-1' },
  }); // 422
  await visit('POST', '/v1/rules', { token, body: rule }); // 409
  await visit('POST', '/v1/rules', { token, body: { ...rule, name: 'bad name' } }); // 400
  await visit('POST', '/v1/rules', { body: rule }); // 401
  await visit('POST', '/v1/rules', { token: plain, body: rule }); // 403
  await visit('POST', '/v1/rules', { token, ...big }); // 413
  await visit('POST', '/v1/rules', { token, ...text }); // 415
  await visit('GET', '/v1/rules');
  await visit('GET', '/v1/rules?cursor=%21');
  await visit('GET', '/v1/rules/tour');
  await visit('GET', '/v1/rules/none');
  await visit('GET', '/v1/rules/.x'); // 400
  const replacement = { algorithm: 'gcra', limit: 2, windowMs: 60_000 };
  await visit('PUT', '/v1/rules/tour', { token, body: replacement });
  await visit('PUT', '/v1/rules/none', { token, body: replacement }); // 404
  await visit('PUT', '/v1/rules/tour', { token, body: { ...replacement, burst: 0 } }); // 400
  await visit('PUT', '/v1/rules/tour', { body: replacement }); // 401
  await visit('PUT', '/v1/rules/tour', { token: plain, body: replacement }); // 403
  await visit('PUT', '/v1/rules/tour', { token, ...big }); // 413
  await visit('PUT', '/v1/rules/tour', { token, ...text }); // 415
  assertQuotaHeaders(await visit('POST', '/v1/check', { token, body: { key: 'k', rule: 'tour' } }));
  await visit('POST', '/v1/check', { token, body: { key: 'k', rule: 'tour', cost: 3 } }); // 400
  await visit('POST', '/v1/check', { token, body: { key: 'k', rule: 'tour' } });
  await visit('POST', '/v1/check', { token, body: { key: 'k', rule: 'tour' } }); // refused, still 200
  await visit('POST', '/v1/check', {
    token,
    body: { key: 'k', policy: { algorithm: 'gcra', limit: 5, windowMs: 1_000 } },
  });
  await visit('POST', '/v1/check', { token, body: { key: 'k', policy: { algorithm: 'x' } } }); // 400
  await visit('POST', '/v1/check', { token, body: '{' }); // 400
  await visit('POST', '/v1/check', { body: { key: 'k', rule: 'tour' } }); // 401
  await visit('POST', '/v1/check', {
    token: plain,
    body: { key: 'k', rule: 'tour', tenant: 'acme' },
  }); // 403
  await visit('POST', '/v1/check', { token, ...big }); // 413
  await visit('POST', '/v1/check', { token, ...text }); // 415
  const gold = { limit: 5_000, windowMs: 60_000 };
  await visit('PUT', '/v1/tiers/gold', { token, body: gold });
  await visit('PUT', '/v1/tiers/gold', { token, body: { limit: 0, windowMs: 60_000 } }); // 400
  await visit('PUT', '/v1/tiers/gold', { body: gold }); // 401
  await visit('PUT', '/v1/tiers/gold', { token: plain, body: gold }); // 403
  await visit('PUT', '/v1/tiers/gold', { token, ...big }); // 413
  await visit('PUT', '/v1/tiers/gold', { token, ...text }); // 415
  await visit('GET', '/v1/tiers');
  await visit('PUT', '/v1/tenants/acme', { token, body: { tier: 'gold' } });
  await visit('PUT', '/v1/tenants/acme', { token, body: { tier: 'tin' } }); // 400
  await visit('PUT', '/v1/tenants/acme', { body: { tier: 'gold' } }); // 401
  await visit('PUT', '/v1/tenants/plain-co', { token: plain, body: { tier: 'gold' } }); // 403
  await visit('PUT', '/v1/tenants/acme', { token, ...big }); // 413
  await visit('PUT', '/v1/tenants/acme', { token, ...text }); // 415
  await visit('GET', '/v1/tenants/acme');
  await visit('GET', '/v1/tenants/nobody');
  await visit('GET', '/v1/tenants/-x'); // 400
  await visit('POST', '/v1/check', { token, body: { key: 'k2', rule: 'tour', tenant: 'acme' } });
  await visit('GET', '/v1/demo/protected');
  await visit('GET', '/v1/demo/protected', { headers: { authorization: 'Bearer x' } });
  const flood = await bed.token({ sub: 'tour-flood', tenant: 'tour-co', tier: 'free' });
  for (let i = 0; i < 100; i += 1) await call(svc.url, 'GET', '/v1/demo/protected', { token: flood });
  assertQuotaHeaders(await visit('GET', '/v1/demo/protected', { token: flood })); // 429
  await visit('DELETE', '/v1/rules/tour', { token: plain }); // 403
  await visit('DELETE', '/v1/rules/tour', {}); // 401
  await visit('DELETE', '/v1/rules/tour', { token });
  await visit('DELETE', '/v1/rules/tour', { token }); // 404
  await visit('DELETE', '/v1/rules/..x', { token }); // 400
  await visit('GET', '/health/live');
  await visit('GET', '/health/ready');
  await visit('GET', '/metrics');
  contract.assertExercised({ statuses: true, provenElsewhere: PROVEN_ELSEWHERE });
});

function rawRequest(method: string, path: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(`${svc.url}${path}`, { method, headers: { 'content-length': '0' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a method a path does not take is 405 with Allow, before any body check', async () => {
  for (const [method, path, allow] of [
    ['TRACE', '/v1/check', 'POST'],
    ['PATCH', '/v1/rules/x', 'GET, PUT, DELETE, HEAD'],
    ['POST', '/v1/tiers', 'GET, HEAD'],
    ['DELETE', '/health/live', 'GET, HEAD'],
  ] as const) {
    // fetch refuses TRACE, so a plain node:http request, with the Content-Length: 0 a client sends.
    const response = await rawRequest(method, path);
    assert.equal(response.status, 405, `${method} ${path}`);
    assert.equal(response.headers.allow, allow, `${method} ${path}`);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
  }
  assert.equal((await rawRequest('TRACE', '/v1/nowhere')).status, 404, 'no such path: 404');
});
