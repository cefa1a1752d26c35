// The shared OpenAPI contract checker against a small inline document: what passes, and that each
// kind of departure (status, field type, content type, header, undocumented path, unvisited
// operation) fails with a message naming the operation, the status and the schema path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openApiContract } from '../src/index.ts';

const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
const DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'links', version: '1' },
  paths: {
    '/v1/links': {
      post: {
        requestBody: {
          content: { 'application/json': { schema: { $ref: '#/components/schemas/NewLink' } } },
        },
        responses: {
          '201': {
            description: 'created',
            headers: { Location: { required: true, schema: { type: 'string' } } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Link' } } },
          },
          '429': { $ref: '#/components/responses/TooMany' },
          default: { description: 'any other failure', content: problem },
        },
      },
    },
    '/v1/links/{code}': {
      get: {
        responses: {
          '200': {
            description: 'one link',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Link' } } },
          },
          '404': { description: 'none', content: problem },
        },
      },
    },
    '/v1/links/stats': {
      get: {
        responses: {
          '200': {
            description: 'totals',
            content: { 'application/json': { schema: { type: 'object', required: ['total'] } } },
          },
        },
      },
    },
    '/health/live': { get: { responses: { '200': { description: 'up' } } } },
  },
  components: {
    schemas: {
      NewLink: { type: 'object', required: ['url'], properties: { url: { type: 'string', format: 'uri' } } },
      Link: {
        type: 'object',
        required: ['code', 'clicks'],
        additionalProperties: false,
        properties: {
          code: { type: 'string', pattern: '^[a-z]+$' },
          clicks: { type: 'integer', minimum: 0 },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
      Problem: { type: 'object', required: ['status'], properties: { status: { type: 'integer' } } },
    },
    responses: {
      TooMany: {
        description: 'slow down',
        headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } },
        content: problem,
      },
    },
    headers: { RetryAfter: { required: true, schema: { type: 'integer', minimum: 1 } } },
  },
};

const contract = openApiContract(DOCUMENT);
const json = { 'content-type': 'application/json; charset=utf-8' };
const problemJson = { 'content-type': 'application/problem+json; charset=utf-8' };
const link = { code: 'abc', clicks: 3, createdAt: '2026-12-02T00:00:00Z' };

test('an answer that honours the document passes', () => {
  contract.assertExchange({ method: 'GET', path: '/v1/links/abc', status: 200, headers: json, body: link });
  contract.assertExchange({
    method: 'POST',
    path: '/v1/links',
    status: 201,
    headers: { ...json, location: '/v1/links/abc' },
    body: link,
    requestBody: { url: 'https://example.com/' },
  });
  // `default` covers a status the operation does not list; a `$ref`'d response and header resolve.
  contract.assertExchange({
    method: 'POST',
    path: '/v1/links',
    status: 500,
    headers: problemJson,
    body: { status: 500 },
  });
  contract.assertExchange({
    method: 'POST',
    path: '/v1/links',
    status: 429,
    headers: { ...problemJson, 'retry-after': '3' },
    body: { status: 429 },
  });
});

test('an undocumented status fails naming the operation and the status', () => {
  assert.deepEqual(
    contract.problems({ method: 'GET', path: '/v1/links/abc', status: 500, headers: json, body: {} }),
    ['status 500 is not documented (#/paths/~1v1~1links~1{code}/get/responses)'],
  );
  assert.throws(
    () =>
      contract.assertExchange({ method: 'GET', path: '/v1/links/abc', status: 500, headers: json, body: {} }),
    /^AssertionError.*GET \/v1\/links\/abc \(get \/v1\/links\/\{code\}\) → 500:\n {2}status 500 is not documented/,
  );
});

test('a field of the wrong type fails naming the field and the schema path', () => {
  const found = contract.problems({
    method: 'GET',
    path: '/v1/links/abc',
    status: 200,
    headers: json,
    body: { ...link, clicks: '3' },
  });
  assert.deepEqual(found, [
    'body/clicks must be integer (schema #/components/schemas/Link/properties/clicks/type)',
  ]);
  const extra = contract.problems({
    method: 'GET',
    path: '/v1/links/abc',
    status: 200,
    headers: json,
    body: { ...link, secret: 1, createdAt: 'yesterday' },
  });
  assert.deepEqual(extra.sort(), [
    'body must NOT have additional properties: secret (schema #/components/schemas/Link/additionalProperties)',
    'body/createdAt must match format "date-time" (schema #/components/schemas/Link/properties/createdAt/format)',
  ]);
});

test('the content type, required headers and their schemas, and accepted request bodies are checked', () => {
  const base = { method: 'POST', path: '/v1/links', status: 201, body: link };
  assert.deepEqual(contract.problems({ ...base, headers: { 'content-type': 'text/html' } }), [
    'content type text/html is not documented (#/paths/~1v1~1links/post/responses/201/content)',
    'required header Location is missing (#/paths/~1v1~1links/post/responses/201/headers/Location)',
  ]);
  assert.deepEqual(
    contract.problems({
      ...base,
      status: 429,
      headers: { ...problemJson, 'retry-after': '0' },
      body: { status: 429 },
    }),
    ['header Retry-After must be >= 1 (schema #/components/headers/RetryAfter/schema/minimum)'],
  );
  assert.deepEqual(
    contract.problems({ ...base, headers: { ...json, location: '/x' }, requestBody: { url: 42 } }),
    ['accepted request body/url must be string (schema #/components/schemas/NewLink/properties/url/type)'],
  );
  // A refused request is not held to the request schema: refusing it is the point.
  assert.deepEqual(
    contract.problems({
      ...base,
      status: 400,
      headers: problemJson,
      body: { status: 400 },
      requestBody: { url: 42 },
    }),
    [],
  );
  assert.deepEqual(contract.problems({ method: 'GET', path: '/health/live', status: 200, headers: json }), [
    'a body (application/json), but #/paths/~1health~1live/get/responses/200 documents none',
  ]);
});

test('a literal path wins over a template, whatever the document order', () => {
  assert.equal(contract.operation('GET', '/v1/links/stats').template, '/v1/links/stats');
  assert.equal(contract.operation('get', '/v1/links/abc?x=1').template, '/v1/links/{code}');
  const stats = { method: 'GET', path: '/v1/links/stats', status: 200, headers: json, body: { total: 1 } };
  assert.deepEqual(contract.problems(stats), []); // validated as stats, not as a Link
});

test('an undocumented path or method fails naming it', () => {
  assert.throws(() => contract.operation('GET', '/v2/links'), /GET \/v2\/links is not documented/);
  assert.throws(
    () => contract.operation('DELETE', '/v1/links/abc'),
    /DELETE \/v1\/links\/abc is not documented/,
  );
  assert.deepEqual(contract.problems({ method: 'GET', path: '/v1/links/a/b', status: 200, headers: json }), [
    'GET /v1/links/a/b is not documented',
  ]);
});

test('the route table and the exercised operations are compared with the document', () => {
  const fresh = openApiContract(DOCUMENT);
  fresh.assertRoutes([
    { method: 'post', path: '/v1/links' },
    { method: 'get', path: '/v1/links/:code' },
    { method: 'get', path: '/v1/links/stats' },
  ]);
  assert.throws(
    () => fresh.assertRoutes([{ method: 'post', path: '/v1/links' }]),
    /documented operations = mounted routes/,
  );
  fresh.assertExchange({ method: 'GET', path: '/v1/links/abc', status: 200, headers: json, body: link });
  assert.throws(
    () => fresh.assertExercised(),
    /never exercised:\n {2}post \/v1\/links\n {2}get \/v1\/links\/stats/,
  );
  assert.throws(
    () => fresh.assertExercised({ statuses: true, provenElsewhere: { 'post /v1/links 429': 'elsewhere' } }),
    (error: Error) => /get \/v1\/links\/\{code\} 404/.test(error.message) && !/429/.test(error.message),
  );
});

test('a document that is not OpenAPI 3.1, or has a dangling $ref, is refused', () => {
  assert.throws(() => openApiContract({ ...DOCUMENT, openapi: '3.0.3' }), /not an OpenAPI 3.1 document/);
  const dangling = structuredClone(DOCUMENT);
  dangling.paths['/v1/links/stats'].get.responses['200'] = { $ref: '#/components/responses/Nope' } as never;
  const broken = openApiContract(dangling);
  assert.throws(
    () => broken.problems({ method: 'GET', path: '/v1/links/stats', status: 200, headers: json }),
    /dangling \$ref #\/components\/responses\/Nope/,
  );
});
