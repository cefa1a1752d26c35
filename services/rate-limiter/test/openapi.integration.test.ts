// Keeps openapi.yaml honest: (1) its paths and methods are exactly the service's route table (plus
// service-kit's health and metrics endpoints); (2) every response the running service gives for a
// tour of the API has a documented status, and its JSON body and request body match the schemas.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

test('a tour of the API: every answer is documented and matches its schema', async () => {
  const token = await bed.token();
  const rule = { name: 'tour', algorithm: 'gcra', limit: 1, windowMs: 60_000, burst: 1 };
  await tour('POST', '/v1/rules', '/v1/rules', { token, body: rule });
  await tour('POST', '/v1/rules', '/v1/rules', { token, body: rule }); // 409
  await tour('POST', '/v1/rules', '/v1/rules', { token, body: { ...rule, name: 'bad name' } }); // 400
  await tour('POST', '/v1/rules', '/v1/rules', { body: rule }); // 401
  await tour('GET', '/v1/rules', '/v1/rules');
  await tour('GET', '/v1/rules?cursor=%21', '/v1/rules');
  await tour('GET', '/v1/rules/tour', '/v1/rules/{name}');
  await tour('GET', '/v1/rules/none', '/v1/rules/{name}');
  await tour('PUT', '/v1/rules/tour', '/v1/rules/{name}', {
    token,
    body: { algorithm: 'gcra', limit: 2, windowMs: 60_000 },
  });
  await tour('PUT', '/v1/rules/none', '/v1/rules/{name}', {
    token,
    body: { algorithm: 'gcra', limit: 2, windowMs: 60_000 },
  });
  await tour('POST', '/v1/check', '/v1/check', { token, body: { key: 'k', rule: 'tour' } });
  await tour('POST', '/v1/check', '/v1/check', { token, body: { key: 'k', rule: 'tour', cost: 2 } });
  await tour('POST', '/v1/check', '/v1/check', { token, body: { key: 'k', rule: 'tour' } }); // refused, still 200
  await tour('POST', '/v1/check', '/v1/check', { token, body: { key: 'k', policy: { algorithm: 'x' } } });
  await tour('POST', '/v1/check', '/v1/check', { token, body: '{' });
  await tour('POST', '/v1/check', '/v1/check', { body: { key: 'k', rule: 'tour' } });
  await tour('PUT', '/v1/tiers/gold', '/v1/tiers/{name}', {
    token,
    body: { limit: 5_000, windowMs: 60_000 },
  });
  await tour('PUT', '/v1/tiers/gold', '/v1/tiers/{name}', { token, body: { limit: 0, windowMs: 60_000 } });
  await tour('GET', '/v1/tiers', '/v1/tiers');
  await tour('PUT', '/v1/tenants/acme', '/v1/tenants/{id}', { token, body: { tier: 'gold' } });
  await tour('PUT', '/v1/tenants/acme', '/v1/tenants/{id}', { token, body: { tier: 'tin' } });
  await tour('GET', '/v1/tenants/acme', '/v1/tenants/{id}');
  await tour('GET', '/v1/tenants/nobody', '/v1/tenants/{id}');
  await tour('POST', '/v1/check', '/v1/check', { token, body: { key: 'k2', rule: 'tour', tenant: 'acme' } });
  await tour('GET', '/v1/demo/protected', '/v1/demo/protected');
  await tour('GET', '/v1/demo/protected', '/v1/demo/protected', { headers: { authorization: 'Bearer x' } });
  const flood = await bed.token({ sub: 'tour-flood', tenant: 'tour-co', tier: 'free' });
  for (let i = 0; i < 100; i += 1) await call(svc.url, 'GET', '/v1/demo/protected', { token: flood });
  await tour('GET', '/v1/demo/protected', '/v1/demo/protected', { token: flood }); // 429
  await tour('DELETE', '/v1/rules/tour', '/v1/rules/{name}', { token });
  await tour('DELETE', '/v1/rules/tour', '/v1/rules/{name}', { token });
  await tour('GET', '/health/live', '/health/live');
  await tour('GET', '/health/ready', '/health/ready');
  await tour('GET', '/metrics', '/metrics');
  // Every documented operation was visited at least once.
  const visited = new Set(seen.map((entry) => entry.split(' ').slice(0, 2).join(' ')));
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
      assert.ok(visited.has(`${method} ${path}`), `${method} ${path} is never exercised`);
    }
  }
});
