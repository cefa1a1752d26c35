// Which documented operation a request hits: the path template that matches a concrete path
// (`/v1/urls/abc` → `/v1/urls/{code}`), and its method. OpenAPI 3.1 §4.8.8 says a concrete path
// is matched before a templated one; with several templates the lab ranks them segment by segment,
// left to right, a literal segment beating a templated one (`/v1/urls/stats` before
// `/v1/urls/{code}` before `/{a}/{b}/{c}`), which is also the order an HTTP router picks.
import { HTTP_METHODS, type JsonObject, type OpenApiDocument, pointerTo } from './document.ts';

export type Operation = {
  /** `get /v1/urls/{code}`: the key coverage and route tables use. */
  key: string;
  method: string;
  template: string;
  /** Where the operation object lives in the document, for error messages. */
  pointer: string;
  node: JsonObject;
};

/** Every documented operation, in document order. */
export function listOperations(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([template, item]) =>
    HTTP_METHODS.filter((method) => typeof item?.[method] === 'object').map((method) => ({
      key: `${method} ${template}`,
      method,
      template,
      pointer: pointerTo('paths', template, method),
      node: item[method] as JsonObject,
    })),
  );
}

/** The path template a concrete path (query string ignored) falls under, or undefined. */
export function matchTemplate(templates: readonly string[], path: string): string | undefined {
  const segments = splitPath(path);
  let best: { template: string; rank: number[] } | undefined;
  for (const template of templates) {
    const rank = rankMatch(splitPath(template), segments);
    if (rank && (!best || compareRanks(rank, best.rank) < 0)) best = { template, rank };
  }
  return best?.template;
}

/** The operation a method and concrete path hit, or undefined when the document has none. */
export function findOperation(
  document: OpenApiDocument,
  method: string,
  path: string,
): Operation | undefined {
  const candidates = listOperations(document).filter(
    (operation) => operation.method === method.toLowerCase(),
  );
  const template = matchTemplate(
    candidates.map((operation) => operation.template),
    path,
  );
  return candidates.find((operation) => operation.template === template);
}

function splitPath(path: string): string[] {
  return (path.split(/[?#]/, 1)[0] ?? '').split('/').slice(1);
}

/**
 * Per segment: 0 for a literal match, 1 for a templated one; undefined when the template does not
 * match. A templated segment may mix text and variables (`{name}.json`); a variable takes one or
 * more characters of a single segment, never a `/`.
 */
function rankMatch(template: string[], path: string[]): number[] | undefined {
  if (template.length !== path.length) return undefined;
  const rank: number[] = [];
  for (const [i, part] of template.entries()) {
    const actual = path[i] ?? '';
    if (!part.includes('{')) {
      if (part !== actual) return undefined;
      rank.push(0);
    } else {
      if (!segmentPattern(part).test(actual)) return undefined;
      rank.push(1);
    }
  }
  return rank;
}

function segmentPattern(part: string): RegExp {
  const source = part
    .split(/(\{[^}]+\})/)
    .map((piece) => (piece.startsWith('{') ? '[^/]+' : piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

function compareRanks(a: number[], b: number[]): number {
  for (const [i, value] of a.entries()) {
    const other = b[i] ?? 0;
    if (value !== other) return value - other;
  }
  return 0;
}
