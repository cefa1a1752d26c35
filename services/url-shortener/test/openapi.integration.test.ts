// Keeps openapi.yaml honest: (1) its paths and methods are exactly the service's route table (plus
// service-kit's health and metrics endpoints, and HEAD on the redirect); (2) every response the
// running service gives on a tour of the API has a documented status, content type and headers,
// and its JSON body (and every accepted request body) validates against the document's schema,
// checked by Ajv's JSON Schema 2020-12 validator (the dialect of OpenAPI 3.1).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { RequestHandler } from 'express';
import { parse } from 'yaml';
import { type HttpDeps, routes } from '../src/http/routes.ts';
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
const METHODS = ['get', 'head', 'post', 'put', 'delete', 'patch'];

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ $id: 'openapi.yaml', components: spec.components });

/** A `#/components/...` reference as a response/request schema gives it, resolved. */
function resolve(node: Schema): Schema {
  let current = node;
  while (typeof current.$ref === 'string') {
    const [, , group, name] = current.$ref.split('/');
    current = spec.components[group as string]?.[name as string] as Schema;
    assert.ok(current, `dangling $ref ${String(node.$ref)}`);
  }
  return current;
}

/** Validates against a schema of the document; returns Ajv's errors as text, or undefined. */
function validate(value: unknown, schema: Schema): string | undefined {
  const rebased = JSON.parse(
    JSON.stringify(schema).replaceAll('"#/components/', '"openapi.yaml#/components/'),
  );
  const check = ajv.compile(rebased);
  return check(value) ? undefined : ajv.errorsText(check.errors);
}

test('the document is OpenAPI 3.1 and lists exactly the routes the service mounts', () => {
  assert.equal(spec.openapi, '3.1.0');
  const noop: RequestHandler = (_req, _res, next) => next();
  const table = routes({ auth: noop, idempotency: () => noop, limiter: {} } as unknown as HttpDeps);
  const mounted = table.map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
  // express answers HEAD for every GET route; the document lists it for the redirect only.
  mounted.push('head /{code}');
  const documented = Object.entries(spec.paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => METHODS.includes(m))
        .map((m) => `${m} ${path}`),
    )
    .filter((op) => !/ \/(health|metrics)/.test(op));
  assert.deepEqual(documented.sort(), mounted.sort());
});

let bed: TestBed;
let svc: Running;
before(async () => {
  bed = await createTestBed('urlsh_openapi');
  svc = await bed.start();
});
after(() => bed?.cleanup());

const seen: string[] = [];

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
    const problem = validate(options.body, resolve(requestSchema));
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
  if (content && result.status !== 204 && method !== 'HEAD') {
    const schema = content[type]?.schema;
    assert.ok(schema, `${method} ${template} ${result.status}: content type ${type} is not documented`);
    if (type.includes('json')) {
      const problem = validate(result.body, schema);
      assert.equal(problem, undefined, `${method} ${template} ${result.status}: ${problem}`);
    }
  }
  for (const header of Object.keys((response.headers as Record<string, unknown> | undefined) ?? {})) {
    if (header === 'Idempotent-Replayed') continue;
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
  const other = await bed.token({ sub: 'someone-else' });
  const created = await tour('POST', '/v1/urls', '/v1/urls', {
    token,
    body: { url: 'https://example.com/tour', expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
  });
  const code = created.body.code as string;
  await tour('POST', '/v1/urls', '/v1/urls', {
    token,
    body: { url: 'https://example.com/a', alias: 'tour-alias', redirect: 301 },
  });
  await tour('POST', '/v1/urls', '/v1/urls', {
    token,
    body: { url: 'https://example.com/b', alias: 'tour-alias' },
  }); // 409
  await tour('POST', '/v1/urls', '/v1/urls', { token, body: { url: 'ftp://example.com/' } }); // 400
  await tour('POST', '/v1/urls', '/v1/urls', { token, body: '{"url":' }); // 400 malformed
  await tour('POST', '/v1/urls', '/v1/urls', { body: { url: 'https://example.com' } }); // 401
  await tour('POST', '/v1/urls', '/v1/urls', { token, body: 'x', headers: { 'content-type': 'text/plain' } }); // 415
  await tour('POST', '/v1/urls', '/v1/urls', {
    token,
    body: { url: `https://e.example/${'a'.repeat(200_000)}` },
  }); // 413
  const key = { 'idempotency-key': 'tour-key' };
  await tour('POST', '/v1/urls', '/v1/urls', { token, body: { url: 'https://example.com/i' }, headers: key });
  await tour('POST', '/v1/urls', '/v1/urls', { token, body: { url: 'https://example.com/j' }, headers: key }); // 422
  const free = await bed.token({ sub: 'tour-free', tier: 'free' });
  for (let i = 0; i < 100; i += 1)
    await call(svc.url, 'POST', '/v1/urls', { token: free, body: { url: `https://e.example/${i}` } });
  await tour('POST', '/v1/urls', '/v1/urls', { token: free, body: { url: 'https://e.example/over' } }); // 429
  await tour('GET', '/v1/urls?limit=1', '/v1/urls', { token });
  await tour('GET', '/v1/urls?cursor=nope', '/v1/urls', { token }); // 400
  await tour('GET', '/v1/urls', '/v1/urls'); // 401
  await tour('GET', `/v1/urls/${code}`, '/v1/urls/{code}');
  await tour('GET', '/v1/urls/Missing1', '/v1/urls/{code}');
  await tour('GET', `/${code}`, '/{code}');
  await tour('GET', '/tour-alias', '/{code}'); // 301
  await tour('HEAD', `/${code}`, '/{code}');
  await tour('HEAD', '/Missing1', '/{code}');
  await tour('GET', '/Missing1', '/{code}');
  await tour('GET', `/v1/urls/${code}/stats`, '/v1/urls/{code}/stats', { token });
  await tour('GET', `/v1/urls/${code}/stats`, '/v1/urls/{code}/stats', { token: other }); // 403
  await tour('GET', '/v1/urls/Missing1/stats', '/v1/urls/{code}/stats', { token }); // 404
  await tour('GET', `/v1/urls/${code}/stats`, '/v1/urls/{code}/stats'); // 401
  await tour('DELETE', `/v1/urls/${code}`, '/v1/urls/{code}', { token: other }); // 403
  await tour('DELETE', `/v1/urls/${code}`, '/v1/urls/{code}'); // 401
  await tour('DELETE', '/v1/urls/Missing1', '/v1/urls/{code}', { token }); // 404
  await tour('DELETE', `/v1/urls/${code}`, '/v1/urls/{code}', { token });
  await tour('GET', `/${code}`, '/{code}'); // 410
  await tour('HEAD', `/${code}`, '/{code}'); // 410
  await tour('GET', `/v1/urls/${code}`, '/v1/urls/{code}'); // 410
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
