// Keeps openapi.yaml honest: (1) its paths and methods are exactly the service's route table (plus
// service-kit's health and metrics endpoints); (2) every status each route can return is listed
// below, and the document lists exactly those; (3) a tour of the API provokes every one of them
// (the few that need a broken dependency are named, with the test that covers them), and every
// answer's JSON body, and every accepted request body, matches the schemas. The CI contract fuzz
// (scripts/contract-fuzz.sh, Schemathesis) then sends what the document allows, and what it does not.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { after, before, test } from 'node:test';
import type { RequestHandler } from 'express';
import { parse } from 'yaml';
import type { HttpDeps } from '../src/http/routes.ts';
import { routes } from '../src/http/routes.ts';
import { call, createTestBed, type Running, type TestBed } from './support.ts';

type Schema = Record<string, unknown>;
type Operation = {
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, Schema>;
};
type Spec = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, Schema>>;
};

const spec = parse(readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8')) as Spec;
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

/** Resolves `#/components/...` references. */
function resolve(node: Schema): Schema {
  let current = node;
  while (typeof current.$ref === 'string') {
    const [, , group, name] = current.$ref.split('/');
    current = spec.components[group as string]?.[name as string] as Schema;
    assert.ok(current, `dangling $ref ${String(node.$ref)}`);
  }
  return current;
}

/** The JSON Schema subset openapi.yaml uses; returns the first problem found, or undefined. */
function validate(value: unknown, node: Schema, at = '$'): string | undefined {
  const schema = resolve(node);
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as Schema[]).filter((part) => validate(value, part, at) === undefined);
    if (matching.length !== 1) return `${at}: matches ${matching.length} of oneOf's ${schema.oneOf.length}`;
  }
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf as Schema[]) {
      const problem = validate(value, part, at);
      if (problem) return problem;
    }
  }
  if ('const' in schema && value !== schema.const) return `${at}: expected ${String(schema.const)}`;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    return `${at}: ${String(value)} not in enum`;
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const typeOf = (v: unknown) =>
    v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;
  if (types.length > 0) {
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
      return `${at}: ${actual} is not ${types.join('|')}`;
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return `${at}: below minimum`;
    if (typeof schema.maximum === 'number' && value > schema.maximum) return `${at}: above maximum`;
  }
  if (typeof value === 'string') {
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) return `${at}: too long`;
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) return `${at}: too short`;
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value))
      return `${at}: pattern`;
  }
  if (Array.isArray(value) && schema.items) {
    for (const [i, item] of value.entries()) {
      const problem = validate(item, schema.items as Schema, `${at}[${i}]`);
      if (problem) return problem;
    }
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const name of (schema.required as string[] | undefined) ?? []) {
      if (!(name in record)) return `${at}: missing ${name}`;
    }
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [name, item] of Object.entries(record)) {
      const property = properties[name];
      if (property) {
        const problem = validate(item, property, `${at}.${name}`);
        if (problem) return problem;
      } else if (schema.additionalProperties === false) {
        return `${at}: unexpected ${name}`;
      } else if (typeof schema.additionalProperties === 'object') {
        const problem = validate(item, schema.additionalProperties as Schema, `${at}.${name}`);
        if (problem) return problem;
      }
    }
  }
  return undefined;
}

test('the document is OpenAPI 3.1 and lists exactly the routes the service mounts', () => {
  assert.equal(spec.openapi, '3.1.0');
  const noop: RequestHandler = (_req, _res, next) => next();
  const table = routes({
    auth: noop,
    idempotency: () => noop,
    jwtSecret: 'x'.repeat(32),
    demoGlobalPerSecond: 1,
  } as unknown as HttpDeps);
  const mounted = table.map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`).sort();
  const documented = Object.entries(spec.paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => METHODS.includes(m))
        .map((m) => `${m} ${path}`),
    )
    .filter((op) => !/ \/(health|metrics)/.test(op))
    .sort();
  assert.deepEqual(documented, mounted);
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
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
      const operation = `${method} ${path}`;
      const documented = Object.keys((item[method] as Operation).responses)
        .map(Number)
        .sort();
      assert.deepEqual(documented, STATUSES[operation], operation);
    }
  }
});

let bed: TestBed;
let svc: Running;
before(async () => {
  bed = await createTestBed('rate_limiter_openapi');
  svc = await bed.start();
});
after(() => bed.cleanup());

const seen: string[] = [];

/** Calls the service and checks request and response against the document. */
async function tour(
  method: string,
  path: string,
  template: string,
  options: Parameters<typeof call>[3] = {},
) {
  const operation = spec.paths[template]?.[method.toLowerCase()];
  assert.ok(operation, `${method} ${template} is documented`);
  const requestSchema = operation.requestBody?.content['application/json']?.schema;
  const result = await call(svc.url, method, path, options);
  if (
    requestSchema &&
    options.body !== undefined &&
    typeof options.body !== 'string' &&
    result.status < 300
  ) {
    const problem = validate(options.body, requestSchema);
    assert.equal(
      problem,
      undefined,
      `${method} ${template}: the accepted request fits the schema (${problem})`,
    );
  }
  const documented = operation.responses[String(result.status)];
  assert.ok(documented, `${method} ${template} answered ${result.status}, which is not documented`);
  const response = resolve(documented);
  const content = response.content as Record<string, { schema: Schema }> | undefined;
  const type = result.headers.get('content-type')?.split(';')[0] ?? '';
  if (content && result.status !== 204) {
    const schema = content[type]?.schema;
    assert.ok(schema, `${method} ${template} ${result.status}: content type ${type} is not documented`);
    if (type.includes('json')) {
      const problem = validate(result.body, schema);
      assert.equal(problem, undefined, `${method} ${template} ${result.status}: ${problem}`);
    }
  }
  for (const header of Object.keys((response.headers as Record<string, unknown> | undefined) ?? {})) {
    if (header === 'Retry-After' && result.status < 400 && !(result.body.allowed === false)) continue;
    assert.ok(
      result.headers.get(header) !== null,
      `${method} ${template} ${result.status}: header ${header}`,
    );
  }
  seen.push(`${method.toLowerCase()} ${template} ${result.status}`);
  return result;
}

test('a tour of the API: every status of every route, each documented and matching its schema', async () => {
  const token = await bed.token({ scope: 'admin service rate-limiter:inline' });
  const plain = await bed.token({ sub: 'pat', tenant: 'plain-co' });
  const big = { headers: { 'content-type': 'application/json' }, body: `{"pad":"${'x'.repeat(150_000)}"}` };
  const text = { headers: { 'content-type': 'text/plain' }, body: 'limit=5' };
  const rule = { name: 'tour', algorithm: 'gcra', limit: 1, windowMs: 60_000, burst: 1 };
  await tour('POST', '/v1/rules', '/v1/rules', {
    token,
    body: rule,
    headers: { 'idempotency-key': 'tour-1' },
  });
  await tour('POST', '/v1/rules', '/v1/rules', {
    token,
    body: { ...rule, limit: 2 },
    headers: { 'idempotency-key': 'tour-1' },
  }); // 422
  await tour('POST', '/v1/rules', '/v1/rules', { token, body: rule }); // 409
  await tour('POST', '/v1/rules', '/v1/rules', { token, body: { ...rule, name: 'bad name' } }); // 400
  await tour('POST', '/v1/rules', '/v1/rules', { body: rule }); // 401
  await tour('POST', '/v1/rules', '/v1/rules', { token: plain, body: rule }); // 403
  await tour('POST', '/v1/rules', '/v1/rules', { token, ...big }); // 413
  await tour('POST', '/v1/rules', '/v1/rules', { token, ...text }); // 415
  await tour('GET', '/v1/rules', '/v1/rules');
  await tour('GET', '/v1/rules?cursor=%21', '/v1/rules');
  await tour('GET', '/v1/rules/tour', '/v1/rules/{name}');
  await tour('GET', '/v1/rules/none', '/v1/rules/{name}');
  await tour('GET', '/v1/rules/.x', '/v1/rules/{name}'); // 400
  const replacement = { algorithm: 'gcra', limit: 2, windowMs: 60_000 };
  await tour('PUT', '/v1/rules/tour', '/v1/rules/{name}', { token, body: replacement });
  await tour('PUT', '/v1/rules/none', '/v1/rules/{name}', { token, body: replacement }); // 404
  await tour('PUT', '/v1/rules/tour', '/v1/rules/{name}', { token, body: { ...replacement, burst: 0 } }); // 400
  await tour('PUT', '/v1/rules/tour', '/v1/rules/{name}', { body: replacement }); // 401
  await tour('PUT', '/v1/rules/tour', '/v1/rules/{name}', { token: plain, body: replacement }); // 403
  await tour('PUT', '/v1/rules/tour', '/v1/rules/{name}', { token, ...big }); // 413
  await tour('PUT', '/v1/rules/tour', '/v1/rules/{name}', { token, ...text }); // 415
  await tour('POST', '/v1/check', '/v1/check', { token, body: { key: 'k', rule: 'tour' } });
  await tour('POST', '/v1/check', '/v1/check', { token, body: { key: 'k', rule: 'tour', cost: 3 } }); // 400
  await tour('POST', '/v1/check', '/v1/check', { token, body: { key: 'k', rule: 'tour' } });
  await tour('POST', '/v1/check', '/v1/check', { token, body: { key: 'k', rule: 'tour' } }); // refused, still 200
  await tour('POST', '/v1/check', '/v1/check', {
    token,
    body: { key: 'k', policy: { algorithm: 'gcra', limit: 5, windowMs: 1_000 } },
  });
  await tour('POST', '/v1/check', '/v1/check', { token, body: { key: 'k', policy: { algorithm: 'x' } } }); // 400
  await tour('POST', '/v1/check', '/v1/check', { token, body: '{' }); // 400
  await tour('POST', '/v1/check', '/v1/check', { body: { key: 'k', rule: 'tour' } }); // 401
  await tour('POST', '/v1/check', '/v1/check', {
    token: plain,
    body: { key: 'k', rule: 'tour', tenant: 'acme' },
  }); // 403
  await tour('POST', '/v1/check', '/v1/check', { token, ...big }); // 413
  await tour('POST', '/v1/check', '/v1/check', { token, ...text }); // 415
  const gold = { limit: 5_000, windowMs: 60_000 };
  await tour('PUT', '/v1/tiers/gold', '/v1/tiers/{name}', { token, body: gold });
  await tour('PUT', '/v1/tiers/gold', '/v1/tiers/{name}', { token, body: { limit: 0, windowMs: 60_000 } }); // 400
  await tour('PUT', '/v1/tiers/gold', '/v1/tiers/{name}', { body: gold }); // 401
  await tour('PUT', '/v1/tiers/gold', '/v1/tiers/{name}', { token: plain, body: gold }); // 403
  await tour('PUT', '/v1/tiers/gold', '/v1/tiers/{name}', { token, ...big }); // 413
  await tour('PUT', '/v1/tiers/gold', '/v1/tiers/{name}', { token, ...text }); // 415
  await tour('GET', '/v1/tiers', '/v1/tiers');
  await tour('PUT', '/v1/tenants/acme', '/v1/tenants/{id}', { token, body: { tier: 'gold' } });
  await tour('PUT', '/v1/tenants/acme', '/v1/tenants/{id}', { token, body: { tier: 'tin' } }); // 400
  await tour('PUT', '/v1/tenants/acme', '/v1/tenants/{id}', { body: { tier: 'gold' } }); // 401
  await tour('PUT', '/v1/tenants/plain-co', '/v1/tenants/{id}', { token: plain, body: { tier: 'gold' } }); // 403
  await tour('PUT', '/v1/tenants/acme', '/v1/tenants/{id}', { token, ...big }); // 413
  await tour('PUT', '/v1/tenants/acme', '/v1/tenants/{id}', { token, ...text }); // 415
  await tour('GET', '/v1/tenants/acme', '/v1/tenants/{id}');
  await tour('GET', '/v1/tenants/nobody', '/v1/tenants/{id}');
  await tour('GET', '/v1/tenants/-x', '/v1/tenants/{id}'); // 400
  await tour('POST', '/v1/check', '/v1/check', { token, body: { key: 'k2', rule: 'tour', tenant: 'acme' } });
  await tour('GET', '/v1/demo/protected', '/v1/demo/protected');
  await tour('GET', '/v1/demo/protected', '/v1/demo/protected', { headers: { authorization: 'Bearer x' } });
  const flood = await bed.token({ sub: 'tour-flood', tenant: 'tour-co', tier: 'free' });
  for (let i = 0; i < 100; i += 1) await call(svc.url, 'GET', '/v1/demo/protected', { token: flood });
  await tour('GET', '/v1/demo/protected', '/v1/demo/protected', { token: flood }); // 429
  await tour('DELETE', '/v1/rules/tour', '/v1/rules/{name}', { token: plain }); // 403
  await tour('DELETE', '/v1/rules/tour', '/v1/rules/{name}', {}); // 401
  await tour('DELETE', '/v1/rules/tour', '/v1/rules/{name}', { token });
  await tour('DELETE', '/v1/rules/tour', '/v1/rules/{name}', { token }); // 404
  await tour('DELETE', '/v1/rules/..x', '/v1/rules/{name}', { token }); // 400
  await tour('GET', '/health/live', '/health/live');
  await tour('GET', '/health/ready', '/health/ready');
  await tour('GET', '/metrics', '/metrics');
  const provoked = new Set(seen);
  for (const [operation, statuses] of Object.entries(STATUSES)) {
    for (const status of statuses) {
      const entry = `${operation} ${status}`;
      assert.ok(provoked.has(entry) || entry in PROVEN_ELSEWHERE, `${entry} is never provoked`);
    }
  }
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
