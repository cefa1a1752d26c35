// Keeps openapi.yaml honest: (1) its paths and methods are exactly the service's route table (plus
// service-kit's health and metrics endpoints); (2) a tour of the API against the running service:
// every status it answers is documented for that operation, with a documented content type, a body
// that validates against the documented schema (Ajv, JSON Schema 2020-12, which OpenAPI 3.1 uses)
// and the documented headers; (3) every documented operation is visited.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { RequestHandler } from 'express';
import { parse } from 'yaml';
import { type HttpDeps, routes } from '../src/http/routes.ts';
import { openStream } from './sse-client.ts';
import { call, createTestBed, type Running, type TestBed } from './support.ts';

type Schema = Record<string, unknown>;
type Response = {
  content?: Record<string, { schema: Schema }>;
  headers?: Record<string, unknown>;
  $ref?: string;
};
type Operation = {
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, Response>;
};
type Spec = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, Schema>>;
};

const text = readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8');
const spec = parse(text) as Spec;
// One Ajv schema holds the components; local references point into it.
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(
  JSON.parse(
    JSON.stringify({ $id: 'openapi', components: spec.components }).replaceAll(
      '"#/components',
      '"openapi#/components',
    ),
  ),
);
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

function resolve<T>(node: T & { $ref?: string }): T {
  if (!node.$ref) return node;
  const [, , group, name] = node.$ref.split('/');
  const found = spec.components[group as string]?.[name as string];
  assert.ok(found, `dangling $ref ${node.$ref}`);
  return found as T;
}

function check(value: unknown, schema: Schema): string | undefined {
  const validate = ajv.compile(
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components', '"openapi#/components')),
  );
  return validate(value) ? undefined : ajv.errorsText(validate.errors);
}

test('the document is OpenAPI 3.1 and lists exactly the routes the service mounts', () => {
  assert.equal(spec.openapi, '3.1.0');
  const noop: RequestHandler = (_req, _res, next) => next();
  const table = routes({
    auth: noop,
    idempotency: () => noop,
    postLimit: noop,
    followLimit: noop,
    stream: noop,
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
  bed = await createTestBed('feed_openapi');
  svc = await bed.start({ POSTS_PER_MINUTE: '6', MAX_FOLLOWING: '2', SSE_MAX_PER_USER: '1' });
});
after(() => bed.cleanup());

const seen: string[] = [];

function documentedResponse(method: string, template: string, status: number): Response {
  const operation = spec.paths[template]?.[method.toLowerCase()];
  assert.ok(operation, `${method} ${template} is documented`);
  const documented = operation.responses[String(status)];
  assert.ok(documented, `${method} ${template} answered ${status}, which is not documented`);
  seen.push(`${method.toLowerCase()} ${template}`);
  return resolve(documented);
}

/** Calls the service and checks request and response against the document. */
async function tour(
  method: string,
  path: string,
  template: string,
  options: Parameters<typeof call>[3] = {},
) {
  const result = await call(svc.url, method, path, options);
  const operation = spec.paths[template]?.[method.toLowerCase()] as Operation;
  const requestSchema = operation?.requestBody?.content['application/json']?.schema;
  if (
    requestSchema &&
    options.body !== undefined &&
    typeof options.body !== 'string' &&
    result.status < 300
  ) {
    assert.equal(
      check(options.body, requestSchema),
      undefined,
      `${method} ${template}: accepted request fits its schema`,
    );
  }
  const response = documentedResponse(method, template, result.status);
  const type = result.headers.get('content-type')?.split(';')[0] ?? '';
  if (response.content && result.status !== 204) {
    const schema = response.content[type]?.schema;
    assert.ok(schema, `${method} ${template} ${result.status}: content type ${type} is not documented`);
    if (type.includes('json')) {
      const problem = check(result.body, schema);
      assert.equal(problem, undefined, `${method} ${template} ${result.status}: ${problem}`);
    }
  } else if (!response.content) {
    assert.ok(
      result.status === 204 || !type.includes('json') || template.startsWith('/health'),
      `${template} ${result.status} has an undocumented body`,
    );
  }
  for (const header of Object.keys(response.headers ?? {})) {
    assert.ok(
      result.headers.get(header) !== null,
      `${method} ${template} ${result.status}: header ${header}`,
    );
  }
  return result;
}

test('a tour of the API: every answer is documented and matches its schema', async () => {
  const ann = await bed.token('ann');
  const bob = await bed.token('bob');
  const odd = await bed.token('has space');
  await tour('GET', '/v1/feed', '/v1/feed', { token: bob }); // bob exists; popular (empty)
  const created = await tour('POST', '/v1/posts', '/v1/posts', { token: ann, body: { body: 'tour' } });
  await tour('POST', '/v1/posts', '/v1/posts', { token: ann, body: { body: '' } });
  await tour('POST', '/v1/posts', '/v1/posts', { token: ann, body: '{' });
  await tour('POST', '/v1/posts', '/v1/posts', { body: { body: 'x' } });
  await tour('POST', '/v1/posts', '/v1/posts', { token: odd, body: { body: 'x' } });
  await tour('POST', '/v1/posts', '/v1/posts', { token: ann, body: { body: 'x'.repeat(200_000) } });
  await tour('POST', '/v1/posts', '/v1/posts', {
    token: ann,
    body: 'plain',
    headers: { 'content-type': 'text/plain' },
  });
  const key = { 'idempotency-key': 'tour-1' };
  await tour('POST', '/v1/posts', '/v1/posts', { token: ann, body: { body: 'k' }, headers: key });
  await tour('POST', '/v1/posts', '/v1/posts', { token: ann, body: { body: 'other' }, headers: key }); // 422
  const flood = await bed.token('flood');
  for (let i = 0; i < 6; i += 1)
    await call(svc.url, 'POST', '/v1/posts', { token: flood, body: { body: `f${i}` } });
  const limited = await tour('POST', '/v1/posts', '/v1/posts', {
    token: flood,
    body: { body: 'one too many' },
  });
  assert.equal(limited.status, 429);

  const id = created.body.id as string;
  await tour('DELETE', `/v1/posts/${id}`, '/v1/posts/{id}', { token: bob });
  await tour('DELETE', `/v1/posts/${id}`, '/v1/posts/{id}', { token: ann });
  await tour('DELETE', '/v1/posts/missing', '/v1/posts/{id}', { token: ann });
  await tour('DELETE', '/v1/posts/a.b', '/v1/posts/{id}', { token: ann });
  await tour('DELETE', `/v1/posts/${id}`, '/v1/posts/{id}');
  await tour('DELETE', `/v1/posts/${id}`, '/v1/posts/{id}', {
    token: ann,
    body: 'x',
    headers: { 'content-type': 'text/plain' },
  });
  await tour('DELETE', `/v1/posts/${id}`, '/v1/posts/{id}', {
    token: ann,
    body: { pad: 'x'.repeat(200_000) },
  });

  await tour('POST', '/v1/follows/ann', '/v1/follows/{userId}', { token: bob, body: {} });
  await tour('POST', '/v1/follows/ann', '/v1/follows/{userId}', { token: bob, body: {} }); // 200
  await tour('POST', '/v1/follows/ann', '/v1/follows/{userId}', { token: bob, body: { extra: 1 } }); // 400
  await tour('POST', '/v1/follows/bob', '/v1/follows/{userId}', { token: bob, body: {} }); // self
  await tour('POST', '/v1/follows/nobody', '/v1/follows/{userId}', { token: bob, body: {} });
  await tour('POST', '/v1/follows/ann', '/v1/follows/{userId}', { body: {} });
  await tour('POST', '/v1/follows/ann', '/v1/follows/{userId}', {
    token: bob,
    body: 'x',
    headers: { 'content-type': 'text/plain' },
  });
  await tour('POST', '/v1/follows/flood', '/v1/follows/{userId}', { token: bob, body: {} });
  await tour('POST', '/v1/follows/has%20space', '/v1/follows/{userId}', { token: bob, body: {} }); // 400
  await call(svc.url, 'GET', '/v1/feed', { token: await bed.token('carl') });
  await tour('POST', '/v1/follows/carl', '/v1/follows/{userId}', { token: bob, body: {} }); // 409 FOLLOW_LIMIT
  await tour('DELETE', '/v1/follows/flood', '/v1/follows/{userId}', { token: bob });
  await tour('DELETE', '/v1/follows/%zz', '/v1/follows/{userId}', { token: bob });
  await tour('DELETE', '/v1/follows/flood', '/v1/follows/{userId}');

  const page = await tour('GET', '/v1/feed?limit=1', '/v1/feed', { token: bob });
  assert.equal(page.status, 200);
  await tour('GET', `/v1/feed?limit=1&cursor=${page.body.next_cursor}`, '/v1/feed', { token: bob });
  await tour('GET', '/v1/feed?cursor=nope', '/v1/feed', { token: bob });
  await tour('GET', '/v1/feed', '/v1/feed');
  await tour('GET', '/v1/feed', '/v1/feed', { token: odd });

  const stream = await openStream(svc.url, bob);
  const streamDoc = documentedResponse('GET', '/v1/feed/stream', stream.status);
  assert.ok(streamDoc.content?.['text/event-stream'], 'the stream is documented as text/event-stream');
  const second = await openStream(svc.url, bob);
  const full = documentedResponse('GET', '/v1/feed/stream', second.status);
  assert.equal(second.status, 503);
  assert.equal(
    check(
      JSON.parse(second.body),
      (full.content as Record<string, { schema: Schema }>)['application/problem+json']?.schema as Schema,
    ),
    undefined,
  );
  assert.ok(second.headers.get('retry-after'));
  stream.close();
  await tour('GET', '/v1/feed/stream', '/v1/feed/stream', { token: bob, headers: { 'last-event-id': 'x' } });
  await tour('GET', '/v1/feed/stream', '/v1/feed/stream');

  await tour('GET', '/health/live', '/health/live');
  await tour('GET', '/health/ready', '/health/ready');
  await tour('GET', '/metrics', '/metrics');
  const visited = new Set(seen);
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
      assert.ok(visited.has(`${method} ${path}`), `${method} ${path} is never exercised`);
    }
  }
});
