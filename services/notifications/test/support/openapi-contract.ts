// Keeps an openapi.yaml honest, for both services of this branch: (1) its paths and methods are
// exactly the service's route table (plus service-kit's health and metrics endpoints); (2) every
// response the running service gives during a tour has a documented status, content type and
// (JSON) schema, and every request it accepted fits the request schema. The validator covers the
// JSON Schema subset the documents use. It is the rate-limiter test's checker made reusable; it
// belongs in @lab/testkit once that package takes it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

type Schema = Record<string, unknown>;
type Operation = {
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, Schema>;
};
export type Spec = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, Schema>>;
};

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

export function loadSpec(url: URL): Spec {
  return parse(readFileSync(url, 'utf8')) as Spec;
}

function resolve(spec: Spec, node: Schema): Schema {
  let current = node;
  while (typeof current.$ref === 'string') {
    const [, , group, name] = current.$ref.split('/');
    current = spec.components[group as string]?.[name as string] as Schema;
    assert.ok(current, `dangling $ref ${String(node.$ref)}`);
  }
  return current;
}

const typeOf = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

function validateScalar(value: unknown, schema: Schema, at: string): string | undefined {
  if ('const' in schema && value !== schema.const) return `${at}: expected ${String(schema.const)}`;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    return `${at}: ${String(value)} not in enum`;
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const actual = typeOf(value);
  if (types.length > 0 && !types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
    return `${at}: ${actual} is not ${types.join('|')}`;
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
  if (Array.isArray(value) && typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
    return `${at}: too many items`;
  }
  return undefined;
}

/** The first problem found, or undefined. */
export function validate(spec: Spec, value: unknown, node: Schema, at = '$'): string | undefined {
  const schema = resolve(spec, node);
  for (const part of (schema.allOf as Schema[] | undefined) ?? []) {
    const problem = validate(spec, value, part, at);
    if (problem) return problem;
  }
  if (Array.isArray(schema.oneOf)) {
    const fits = (schema.oneOf as Schema[]).filter((part) => !validate(spec, value, part, at));
    if (fits.length !== 1) return `${at}: fits ${fits.length} of oneOf`;
  }
  if (schema.not && validate(spec, value, schema.not as Schema, at) === undefined)
    return `${at}: matches "not"`;
  const scalar = validateScalar(value, schema, at);
  if (scalar) return scalar;
  if (Array.isArray(value) && schema.items) {
    for (const [i, item] of value.entries()) {
      const problem = validate(spec, item, schema.items as Schema, `${at}[${i}]`);
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
      const extra = schema.additionalProperties;
      const problem = property
        ? validate(spec, item, property, `${at}.${name}`)
        : extra === false
          ? `${at}: unexpected ${name}`
          : typeof extra === 'object'
            ? validate(spec, item, extra as Schema, `${at}.${name}`)
            : undefined;
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Documented operations (without health/metrics) equal the mounted route table. */
export function assertRoutesMatch(spec: Spec, table: readonly { method: string; path: string }[]): void {
  assert.equal(spec.openapi, '3.1.0');
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
}

export type CallResult = { status: number; headers: Headers; body: Record<string, unknown> };
export type CallOptions = { body?: unknown; token?: string; headers?: Record<string, string> };

/** fetch with JSON in and out. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const { body, token, headers = {} } = options;
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const json = /json/.test(response.headers.get('content-type') ?? '') && text !== '';
  return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : {} };
}

/** A tour: calls the service and checks each exchange against the document; `done()` checks coverage. */
export function createTour(spec: Spec, base: () => string) {
  const seen = new Set<string>();
  async function visit(method: string, path: string, template: string, options: CallOptions = {}) {
    const operation = spec.paths[template]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${template} is documented`);
    const result = await call(base(), method, path, options);
    const requestSchema = operation.requestBody?.content['application/json']?.schema;
    if (
      requestSchema &&
      options.body !== undefined &&
      typeof options.body !== 'string' &&
      result.status < 300
    ) {
      const problem = validate(spec, options.body, requestSchema);
      assert.equal(
        problem,
        undefined,
        `${method} ${template}: the accepted request fits the schema (${problem})`,
      );
    }
    const documented = operation.responses[String(result.status)];
    assert.ok(documented, `${method} ${template} answered ${result.status}, which is not documented`);
    const response = resolve(spec, documented);
    const content = response.content as Record<string, { schema: Schema }> | undefined;
    const type = result.headers.get('content-type')?.split(';')[0] ?? '';
    if (content && result.status !== 204) {
      const schema = content[type]?.schema;
      assert.ok(schema, `${method} ${template} ${result.status}: content type ${type} is not documented`);
      if (type.includes('json')) {
        const problem = validate(spec, result.body, schema);
        assert.equal(problem, undefined, `${method} ${template} ${result.status}: ${problem}`);
      }
    }
    for (const header of Object.keys((response.headers as Record<string, unknown> | undefined) ?? {})) {
      assert.ok(
        result.headers.get(header) !== null,
        `${method} ${template} ${result.status}: header ${header}`,
      );
    }
    seen.add(`${method.toLowerCase()} ${template}`);
    return result;
  }
  function done(): void {
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
        assert.ok(seen.has(`${method} ${path}`), `${method} ${path} is never exercised`);
      }
    }
  }
  return { visit, done };
}
