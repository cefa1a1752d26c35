// Picks the configured short-code generator and gives it what it needs: the range generator a
// Postgres-leased id block allocator and the keyed permutation, the others only their settings.
import type pg from 'pg';
import { spaceOf } from '../domain/base62.ts';
import {
  type CodeGenerator,
  GENERATED_CODE_LENGTH,
  hashCodes,
  rangeCodes,
  snowflakeCodes,
} from '../domain/code-generators.ts';
import { feistelPermutation } from '../domain/feistel.ts';
import { blockOf, createRangeAllocator } from '../domain/range-allocator.ts';
import { nextIdBlock } from './links-repository.ts';

// Fixed by migrations/001_links.sql: block n of the sequence is ids [n·1024, (n+1)·1024).
export const ID_BLOCK_SIZE = 1024n;

export function createCodeGenerator(
  kind: 'range' | 'snowflake' | 'hash',
  settings: { pool: pg.Pool; key: string; workerId: number },
): CodeGenerator {
  if (kind === 'snowflake') return snowflakeCodes(settings.workerId);
  if (kind === 'hash') return hashCodes(settings.key);
  const allocator = createRangeAllocator(async () =>
    blockOf(await nextIdBlock(settings.pool), ID_BLOCK_SIZE),
  );
  return rangeCodes(allocator, feistelPermutation(spaceOf(GENERATED_CODE_LENGTH), settings.key));
}
