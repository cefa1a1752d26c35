// Rewrites schemas/*.json from the catalogue: `npm run schemas -w @lab/events`.
import { writeFileSync } from 'node:fs';
import { ALL_EVENTS } from './catalog.ts';
import { jsonSchemaOf, schemaFileName } from './json-schema.ts';

const folder = new URL('../schemas/', import.meta.url);
for (const contract of ALL_EVENTS) {
  const file = new URL(schemaFileName(contract), folder);
  writeFileSync(file, `${JSON.stringify(jsonSchemaOf(contract), null, 2)}\n`);
  console.log(`wrote schemas/${schemaFileName(contract)}`);
}
