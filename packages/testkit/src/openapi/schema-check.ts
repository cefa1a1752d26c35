// Validates a value against a schema of an OpenAPI 3.1 document with Ajv's JSON Schema 2020-12
// validator (3.1's dialect), formats included (`date-time`, `uuid`, …, via ajv-formats).
//
// The whole document is registered as one Ajv schema, and a schema is compiled by its JSON pointer
// in it, so `#/components/…` references resolve against the document with no copying or rewriting.
// Ajv's own schemaPath is relative to whichever schema it compiled or inlined, so an error is
// located instead by the identity of the schema object that failed (`verbose` hands it over),
// looked up in an index of every object in the document: the message then names the component,
// `#/components/schemas/Link/properties/code/pattern`. `strict: false` because the documents carry
// OpenAPI's own keywords (`example`, `discriminator`, …), annotations to JSON Schema.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { type OpenApiDocument, pointerTo } from './document.ts';

const DOCUMENT_ID = 'openapi.yaml';

/** Problems of a value against the schema at a pointer (`what` names the value: `body`, `request body`). */
export type SchemaCheck = (pointer: string, value: unknown, what?: string) => string[];

export function createSchemaCheck(document: OpenApiDocument): SchemaCheck {
  const ajv = new Ajv2020({ strict: false, allErrors: true, verbose: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  const where = indexPointers(document);
  const compiled = new Map<string, ValidateFunction>();
  return (pointer, value, what = 'body') => {
    let validate = compiled.get(pointer);
    if (!validate) {
      // encodeURI: a path template in a pointer (`/paths/~1v1~1urls~1{code}`) is not a valid URI.
      validate = ajv.getSchema(encodeURI(`${DOCUMENT_ID}${pointer}`));
      if (!validate) throw new Error(`no schema at ${pointer}`);
      compiled.set(pointer, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => describe(error, what, where));
  };
}

/** `body/code must match pattern "…" (schema #/components/schemas/Code/pattern)`. */
function describe(error: ErrorObject, what: string, where: Map<unknown, string>): string {
  const extra =
    error.keyword === 'additionalProperties'
      ? `: ${String((error.params as { additionalProperty?: string }).additionalProperty)}`
      : '';
  const parent = where.get(error.parentSchema);
  const schema = parent ? `${parent}/${error.keyword}` : error.schemaPath;
  return `${what}${error.instancePath} ${error.message ?? error.keyword}${extra} (schema ${schema})`;
}

function indexPointers(document: OpenApiDocument): Map<unknown, string> {
  const index = new Map<unknown, string>();
  const walk = (node: unknown, segments: string[]) => {
    if (typeof node !== 'object' || node === null || index.has(node)) return;
    index.set(node, pointerTo(...segments));
    for (const [key, child] of Object.entries(node)) walk(child, [...segments, key]);
  };
  walk(document, []);
  return index;
}
