// Short-code generators behind one interface, so the create path (and the experiments) can swap
// them. The create path inserts a candidate with ON CONFLICT DO NOTHING and asks for the next
// candidate when it is taken ("skip-taken"): generated codes and custom aliases share one key
// space (the links table's primary key) and a generated code that a user already took as an
// alias is simply skipped. `attempt` counts those retries for generators that need it.
//
//   range      7 chars: range-allocated id -> Feistel permutation -> base62. No collisions among
//              generated codes (a bijection of unique ids), short, not enumerable. The default.
//   snowflake  11 chars: 41 bits of milliseconds, 10 bits of worker id, 12 bits of sequence, in
//              base62. Needs no database at all, but a code is 57 % longer and reveals when it
//              was made; codes of one millisecond are neighbours.
//   hash       7 chars: base62 of SHA-256(url, salt, attempt), truncated. The same URL maps to the
//              same first candidate (dedupe-friendly), but truncation collides: by the birthday
//              bound 50 % odds of some collision after ~2.2 million links in 62^7, so every
//              insert must be ready to retry.
import { createHash } from 'node:crypto';
import { encodeBase62, spaceOf } from './base62.ts';
import type { Permutation } from './feistel.ts';
import type { RangeAllocator } from './range-allocator.ts';

export const GENERATED_CODE_LENGTH = 7;

export type CodeGenerator = {
  readonly name: 'range' | 'snowflake' | 'hash';
  readonly length: number;
  next(input: { url: string; attempt: number }): Promise<string>;
};

export function rangeCodes(allocator: RangeAllocator, permutation: Permutation): CodeGenerator {
  if (permutation.size !== spaceOf(GENERATED_CODE_LENGTH)) {
    throw new RangeError('the permutation must cover exactly the 7-character code space');
  }
  return {
    name: 'range',
    length: GENERATED_CODE_LENGTH,
    async next() {
      const id = await allocator.next();
      if (id >= permutation.size) throw new RangeError('the 7-character code space is exhausted');
      return encodeBase62(permutation.forward(id), GENERATED_CODE_LENGTH);
    },
  };
}

// 2025-01-01T00:00:00Z: 41 bits of milliseconds from here last until 2094.
const SNOWFLAKE_EPOCH_MS = 1_735_689_600_000n;
export const SNOWFLAKE_CODE_LENGTH = 11; // 62^11 > 2^63 > 2^(41+10+12)

export function snowflakeCodes(workerId: number, now: () => number = Date.now): CodeGenerator {
  if (!Number.isInteger(workerId) || workerId < 0 || workerId > 1023) {
    throw new RangeError('a snowflake worker id is an integer in 0..1023');
  }
  let lastMs = -1n;
  let sequence = 0n;
  return {
    name: 'snowflake',
    length: SNOWFLAKE_CODE_LENGTH,
    async next() {
      let ms = BigInt(now()) - SNOWFLAKE_EPOCH_MS;
      // A clock that stepped back must not re-issue ids: keep counting in the last millisecond.
      if (ms < lastMs) ms = lastMs;
      if (ms === lastMs) {
        sequence = (sequence + 1n) & 0xfffn;
        if (sequence === 0n) ms = lastMs + 1n; // 4,096 in one millisecond: borrow the next one
      } else sequence = 0n;
      lastMs = ms;
      const id = (ms << 22n) | (BigInt(workerId) << 12n) | sequence;
      return encodeBase62(id, SNOWFLAKE_CODE_LENGTH);
    },
  };
}

export function hashCodes(salt: string): CodeGenerator {
  const space = spaceOf(GENERATED_CODE_LENGTH);
  return {
    name: 'hash',
    length: GENERATED_CODE_LENGTH,
    async next({ url, attempt }) {
      const digest = createHash('sha256').update(`${salt}\n${attempt}\n${url}`).digest();
      return encodeBase62(digest.readBigUInt64BE(0) % space, GENERATED_CODE_LENGTH);
    },
  };
}
