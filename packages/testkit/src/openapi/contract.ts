// One service's OpenAPI contract, as its tests check it: `assertExchange` fails with every way an
// answer strays from the document, `assertRoutes` compares the document's operations with the
// routes the service mounts, and `exercised` records what a suite visited so `assertExercised` can
// say which documented operations (or statuses) no test ever provoked.
import assert from 'node:assert/strict';
import { type CallOptions, type CallReply, call } from '../http-call.ts';
import { loadOpenApiDocument, type OpenApiDocument, parseOpenApiDocument } from './document.ts';
import { documentedStatus, type Exchange, exchangeProblems } from './exchange-check.ts';
import { findOperation, listOperations, type Operation } from './operations.ts';
import { createSchemaCheck } from './schema-check.ts';

/** service-kit mounts these on every service; `assertRoutes` leaves them out of the route table. */
export const SERVICE_KIT_PATHS = ['/health/live', '/health/ready', '/metrics'];

export type RouteTableEntry = { method: string; path: string };

export type ExercisedOptions = {
  /** Also require every documented status of every operation, not just every operation. */
  statuses?: boolean;
  /** `get /health/ready 503` → where that one is proven instead (a test that breaks a dependency). */
  provenElsewhere?: Record<string, string>;
};

export type OpenApiContract = {
  document: OpenApiDocument;
  operations: Operation[];
  /** The operation a method and concrete path hit; fails naming both when none is documented. */
  operation(method: string, path: string): Operation;
  /** Every problem with one exchange; empty when it honours the document. */
  problems(exchange: Exchange): string[];
  /** Fails with `POST /v1/urls (post /v1/urls) → 201: …`, one line per problem. */
  assertExchange(exchange: Exchange): void;
  /** testkit's `call()`, then `assertExchange` on what it sent and got back. */
  call(base: string, method: string, path: string, options?: CallOptions): Promise<CallReply>;
  /** The documented operations, service-kit's own left out, equal the mounted routes (`:id` → `{id}`). */
  assertRoutes(table: readonly RouteTableEntry[], options?: { alsoDocumented?: string[] }): void;
  /** Operations (and statuses) exchanged so far, as `get /v1/urls/{code} 200`. */
  exercised: Set<string>;
  assertExercised(options?: ExercisedOptions): void;
};

/**
 * The contract of the document at a file path or URL (`new URL('../openapi.yaml', import.meta.url)`),
 * or of a document given as an object (the checker's own tests use an inline one).
 */
export function openApiContract(source: URL | string | object): OpenApiContract {
  const document =
    source instanceof URL || typeof source === 'string'
      ? loadOpenApiDocument(source)
      : parseOpenApiDocument(source);
  const check = createSchemaCheck(document);
  const operations = listOperations(document);
  const exercised = new Set<string>();

  const operation = (method: string, path: string): Operation => {
    const found = findOperation(document, method, path);
    if (!found) assert.fail(`${method.toUpperCase()} ${path} is not documented`);
    return found;
  };
  const problems = (exchange: Exchange): string[] => {
    const found = findOperation(document, exchange.method, exchange.path);
    if (!found) return [`${exchange.method.toUpperCase()} ${exchange.path} is not documented`];
    const responses = (found.node.responses ?? {}) as Record<string, unknown>;
    exercised.add(`${found.key} ${documentedStatus(responses, exchange.status) ?? exchange.status}`);
    return exchangeProblems({ document, check, operation: found, exchange });
  };
  const assertExchange = (exchange: Exchange): void => {
    const found = problems(exchange);
    if (found.length === 0) return;
    const where = findOperation(document, exchange.method, exchange.path);
    const head = `${exchange.method.toUpperCase()} ${exchange.path}${where ? ` (${where.key})` : ''}`;
    assert.fail(`${head} → ${exchange.status}:\n  ${found.join('\n  ')}`);
  };
  return {
    document,
    operations,
    operation,
    problems,
    assertExchange,
    async call(base, method, path, options = {}) {
      const reply = await call(base, method, path, options);
      assertExchange({ method, path, ...reply, requestBody: options.body });
      return reply;
    },
    assertRoutes(table, { alsoDocumented = [] } = {}) {
      const mounted = [...table.map((r) => `${r.method.toLowerCase()} ${expressToTemplate(r.path)}`)];
      const documented = operations
        .map((o) => o.key)
        .filter((key) => !SERVICE_KIT_PATHS.includes(key.split(' ')[1] ?? ''));
      assert.deepEqual(
        documented.sort(),
        [...mounted, ...alsoDocumented].sort(),
        'documented operations = mounted routes',
      );
    },
    exercised,
    assertExercised(options = {}) {
      const missing = unexercised(operations, exercised, options);
      assert.deepEqual(missing, [], `never exercised:\n  ${missing.join('\n  ')}`);
    },
  };
}

function unexercised(operations: Operation[], exercised: Set<string>, options: ExercisedOptions): string[] {
  const visited = new Set([...exercised].map((entry) => entry.split(' ').slice(0, 2).join(' ')));
  const missing: string[] = [];
  for (const operation of operations) {
    if (!options.statuses) {
      if (!visited.has(operation.key)) missing.push(operation.key);
      continue;
    }
    for (const status of Object.keys((operation.node.responses as object | undefined) ?? {})) {
      const entry = `${operation.key} ${status}`;
      if (!exercised.has(entry) && !(entry in (options.provenElsewhere ?? {}))) missing.push(entry);
    }
  }
  return missing;
}

/** `/v1/urls/:code` → `/v1/urls/{code}`. */
function expressToTemplate(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}
