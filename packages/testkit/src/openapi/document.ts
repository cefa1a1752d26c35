// An OpenAPI 3.1 document as the contract checker reads it: parsed from YAML (or JSON, a subset),
// with local `$ref`s ("#/components/…") followed on demand rather than inlined, so every schema
// keeps the JSON pointer it lives at. The pointer is what the checker's errors name and what Ajv
// compiles, which is why the document is not dereferenced up front. Only local references are
// supported: the lab's documents are single files, and a remote `$ref` is refused loudly.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type JsonObject = Record<string, unknown>;

export type OpenApiDocument = {
  openapi: string;
  jsonSchemaDialect?: string;
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
};

/** The HTTP methods a path item may hold (OpenAPI 3.1 §4.8.9). */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const DIALECT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/** Reads and parses a document, refusing anything but OpenAPI 3.1 (its schemas are JSON Schema 2020-12). */
export function loadOpenApiDocument(source: URL | string): OpenApiDocument {
  return parseOpenApiDocument(readFileSync(source, 'utf8'));
}

export function parseOpenApiDocument(text: string | object): OpenApiDocument {
  const document = (typeof text === 'string' ? parse(text) : structuredClone(text)) as OpenApiDocument;
  if (typeof document?.openapi !== 'string' || !document.openapi.startsWith('3.1.')) {
    throw new Error(`not an OpenAPI 3.1 document (openapi: ${String(document?.openapi)})`);
  }
  if (document.jsonSchemaDialect !== undefined && document.jsonSchemaDialect !== DIALECT_2020_12) {
    throw new Error(
      `unsupported jsonSchemaDialect ${document.jsonSchemaDialect}; the checker speaks 2020-12`,
    );
  }
  if (typeof document.paths !== 'object' || document.paths === null) {
    throw new Error('the document has no paths');
  }
  return document;
}

/** A JSON pointer (RFC 6901) from its segments: `~` and `/` escaped. */
export function pointerTo(...segments: string[]): string {
  return `#${segments.map((s) => `/${s.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')}`;
}

/** The node a local pointer names, or undefined. */
export function nodeAt(document: OpenApiDocument, pointer: string): unknown {
  if (!pointer.startsWith('#')) throw new Error(`only local $refs are supported, not ${pointer}`);
  let node: unknown = document;
  for (const raw of pointer.slice(1).split('/').slice(1)) {
    const segment = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as JsonObject)[segment];
  }
  return node;
}

/**
 * Follows `$ref`s from a node until one without, returning it with the pointer it lives at. A
 * dangling or circular chain throws: the document is broken, whatever the service answered.
 */
export function follow(
  document: OpenApiDocument,
  node: unknown,
  pointer: string,
): { node: JsonObject; pointer: string } {
  let current = { node, pointer };
  const visited = new Set<string>();
  while (isObject(current.node) && typeof current.node.$ref === 'string') {
    const target = current.node.$ref;
    if (visited.has(target)) throw new Error(`circular $ref ${target} (from ${pointer})`);
    visited.add(target);
    const next = nodeAt(document, target);
    if (next === undefined) throw new Error(`dangling $ref ${target} (from ${current.pointer})`);
    current = { node: next, pointer: target };
  }
  if (!isObject(current.node)) throw new Error(`${current.pointer} is not an object`);
  return current as { node: JsonObject; pointer: string };
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
