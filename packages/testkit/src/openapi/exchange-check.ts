// Checks one request/response exchange against the operation it hit: the status is documented
// (exactly, as a `2XX`-style range, or as `default`); a documented body has a documented media
// type and, when JSON, validates against that media type's schema; a response documented without a
// body has none; each documented header is present when `required: true` and matches its schema
// when present; and a request the service accepted (2xx) fits the documented request body schema.
// Every problem found is returned, each naming where in the document the rule lives.
import { follow, isObject, type JsonObject, type OpenApiDocument, pointerTo } from './document.ts';
import type { Operation } from './operations.ts';
import type { SchemaCheck } from './schema-check.ts';

export type Exchange = {
  method: string;
  /** The concrete path called, query string allowed. */
  path: string;
  status: number;
  headers: Headers | Record<string, string | undefined>;
  /** The parsed JSON body of the reply, when it had one. */
  body?: unknown;
  /** The JSON value the request sent, when it sent one (a raw string is not checked). */
  requestBody?: unknown;
};

type Context = { document: OpenApiDocument; check: SchemaCheck; operation: Operation; exchange: Exchange };

export function exchangeProblems(context: Context): string[] {
  const { operation, exchange } = context;
  const responses = operation.node.responses;
  const key = isObject(responses) ? documentedStatus(responses, exchange.status) : undefined;
  if (key === undefined) {
    return [`status ${exchange.status} is not documented (${operation.pointer}/responses)`];
  }
  const response = follow(
    context.document,
    (responses as JsonObject)[key],
    `${operation.pointer}/responses/${key}`,
  );
  return [
    ...requestProblems(context),
    ...bodyProblems(context, response),
    ...headerProblems(context, response),
  ];
}

/** The responses key an answer falls under: the exact code first, then `4XX`, then `default`. */
export function documentedStatus(responses: JsonObject, status: number): string | undefined {
  const candidates = [String(status), `${String(status)[0]}XX`, 'default'];
  return candidates.find((candidate) => candidate in responses);
}

function requestProblems({ document, check, operation, exchange }: Context): string[] {
  const { requestBody } = exchange;
  if (requestBody === undefined || typeof requestBody === 'string') return [];
  if (exchange.status < 200 || exchange.status >= 300) return [];
  if (operation.node.requestBody === undefined) return [];
  const documented = follow(document, operation.node.requestBody, `${operation.pointer}/requestBody`);
  const content = documented.node.content;
  if (!isObject(content) || !isObject(content['application/json'])) return [];
  if (content['application/json'].schema === undefined) return [];
  const pointer = schemaPointer(document, `${documented.pointer}/content/application~1json/schema`);
  return check(pointer, requestBody, 'accepted request body');
}

type Located = { node: JsonObject; pointer: string };

function bodyProblems({ document, check, exchange }: Context, response: Located): string[] {
  if (exchange.method.toUpperCase() === 'HEAD') return []; // a HEAD reply has no body to check
  const type = headerOf(exchange.headers, 'content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  const content = response.node.content;
  if (!isObject(content)) {
    const length = headerOf(exchange.headers, 'content-length');
    return type && length !== '0' ? [`a body (${type}), but ${response.pointer} documents none`] : [];
  }
  const media = mediaKey(Object.keys(content), type);
  if (media === undefined) {
    return [`content type ${type || '(none)'} is not documented (${response.pointer}/content)`];
  }
  const entry = content[media];
  if (!isJson(type) || !isObject(entry) || entry.schema === undefined) return [];
  const pointer = schemaPointer(document, `${response.pointer}/content/${pointerTo(media).slice(2)}/schema`);
  return check(pointer, exchange.body);
}

function headerProblems({ document, check, exchange }: Context, response: Located): string[] {
  const headers = response.node.headers;
  if (!isObject(headers)) return [];
  const problems: string[] = [];
  for (const [name, node] of Object.entries(headers)) {
    if (name.toLowerCase() === 'content-type') continue; // OpenAPI: described by `content`, ignored here
    const header = follow(document, node, `${response.pointer}/headers/${pointerTo(name).slice(2)}`);
    const value = headerOf(exchange.headers, name);
    if (value === undefined) {
      if (header.node.required === true)
        problems.push(`required header ${name} is missing (${header.pointer})`);
      continue;
    }
    if (header.node.schema === undefined) continue;
    const pointer = schemaPointer(document, `${header.pointer}/schema`);
    problems.push(
      ...check(pointer, coerce(value, follow(document, header.node.schema, pointer).node), `header ${name}`),
    );
  }
  return problems;
}

/** A header's text as the type its schema names, so `Retry-After: 3` checks against `integer`. */
function coerce(value: string, schema: JsonObject): unknown {
  const types = ([] as unknown[]).concat(schema.type ?? []);
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(value)) {
    return Number(value);
  }
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** Where a schema really lives: a `$ref` at the top is followed, so errors name the component. */
function schemaPointer(document: OpenApiDocument, pointer: string): string {
  return follow(document, { $ref: pointer }, pointer).pointer;
}

/** The documented media type a reply's type falls under: exact, then `type/*`, then `*\/*`. */
function mediaKey(documented: string[], type: string): string | undefined {
  const lower = documented.map((key) => key.toLowerCase());
  for (const candidate of [type, `${type.split('/')[0]}/*`, '*/*']) {
    const index = lower.indexOf(candidate);
    if (index >= 0) return documented[index];
  }
  return undefined;
}

function isJson(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

function headerOf(headers: Exchange['headers'], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
