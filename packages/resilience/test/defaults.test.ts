// Every *_DEFAULTS value appears, as written in the code, in its section's option table of the
// README and as the `@default` of its option's JSDoc, so neither can drift from the code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  BREAKER_DEFAULTS,
  BULKHEAD_DEFAULTS,
  HTTP_CLIENT_DEFAULTS,
  RETRY_BUDGET_DEFAULTS,
  RETRY_DEFAULTS,
} from '../src/index.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const source = (file: string) => readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');

/** The README text from `## heading` up to the next `## `. */
function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.notEqual(start, -1, `README has a "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** How a default is written: 5000 in the README table, 5_000 in the JSDoc. */
function written(value: unknown, separators: boolean): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' && separators) return value.toLocaleString('en').replaceAll(',', '_');
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value).map(([key, field]) => `${key}: ${written(field, separators)}`);
    return `{ ${fields.join(', ')} }`;
  }
  return String(value);
}

const CASES = [
  { defaults: BREAKER_DEFAULTS, heading: 'Circuit breaker', file: 'breaker-options.ts' },
  { defaults: RETRY_DEFAULTS, heading: 'Retry', file: 'retry.ts' },
  { defaults: RETRY_BUDGET_DEFAULTS, heading: 'Retry', file: 'retry-budget.ts' },
  { defaults: BULKHEAD_DEFAULTS, heading: 'Bulkhead', file: 'bulkhead.ts' },
  { defaults: HTTP_CLIENT_DEFAULTS, heading: 'Resilient HTTP client', file: 'http-client.ts' },
];

describe('option defaults', () => {
  for (const { defaults, heading, file } of CASES) {
    it(`${file}: the README's ${heading} table and the JSDoc show each default`, () => {
      const table = section(heading);
      const code = source(file);
      for (const [key, value] of Object.entries(defaults)) {
        const row = new RegExp(`^\\| \`${key}\` +\\| \`${escapeRegExp(written(value, false))}\``, 'm');
        assert.ok(
          row.test(table),
          `README ${heading} table: a row for ${key} showing ${written(value, false)}`,
        );
        // `@default X` closes the field's JSDoc: on the line before the field, or before its `*/`.
        const doc = new RegExp(
          `@default ${escapeRegExp(written(value, true))}(?![\\w.])[^\\n]*\\n(?:\\s*\\*/\\n)?\\s*${key}\\?:`,
        );
        assert.ok(doc.test(code), `${file}: @default ${written(value, true)} on ${key}`);
      }
    });
  }
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
