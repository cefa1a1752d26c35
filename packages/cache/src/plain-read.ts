// get() and getMany(): read the layers without loading. L1 first (a fresh, non-backoff record),
// then one Redis round trip (MGET for many keys) for what L1 lacked; a fresh L2 copy fills L1.
// A Redis failure reads as a miss: a plain read never fails because a layer did.
import { answerOf, isFresh } from './entry.ts';
import type { L1Store } from './l1-store.ts';
import { type Attempt, FAILED } from './l2-attempt.ts';
import type { L2Store } from './l2-store.ts';
import type { CacheMetrics } from './metrics.ts';

export type PlainReadParts = {
  metrics: CacheMetrics;
  l1: L1Store | undefined;
  l2: L2Store | undefined;
  attempt: Attempt;
};

export async function readOne({ metrics, l1, l2, attempt }: PlainReadParts, key: string): Promise<unknown> {
  const now = Date.now();
  if (l1) {
    const record = l1.get(key);
    if (record && now < record.until && !record.backoff) {
      metrics.l1.hit.value += 1;
      return answerOf(record.entry);
    }
    metrics.l1.miss.value += 1;
  }
  if (!l2) return undefined;
  const stored = await attempt('get', () => l2.get(key));
  if (stored === FAILED) return undefined;
  if (stored && isFresh(stored, Date.now())) {
    metrics.l2.hit.value += 1;
    l1?.fill(key, stored, Date.now());
    return answerOf(stored);
  }
  metrics.l2.miss.value += 1;
  return undefined;
}

export async function readMany(
  { metrics, l1, l2, attempt }: PlainReadParts,
  keys: string[],
): Promise<unknown[]> {
  const values: unknown[] = new Array(keys.length).fill(undefined);
  const missing: number[] = [];
  const now = Date.now();
  keys.forEach((key, i) => {
    const record = l1?.get(key);
    if (record && now < record.until && !record.backoff) {
      metrics.l1.hit.value += 1;
      values[i] = answerOf(record.entry);
    } else {
      if (l1) metrics.l1.miss.value += 1;
      missing.push(i);
    }
  });
  if (!l2 || missing.length === 0) return values;
  const stored = await attempt('get', () => l2.getMany(missing.map((i) => keys[i] as string)));
  if (stored === FAILED) return values;
  const after = Date.now();
  stored.forEach((entry, j) => {
    const i = missing[j] as number;
    if (entry && isFresh(entry, after)) {
      metrics.l2.hit.value += 1;
      l1?.fill(keys[i] as string, entry, after);
      values[i] = answerOf(entry);
    } else {
      metrics.l2.miss.value += 1;
    }
  });
  return values;
}
