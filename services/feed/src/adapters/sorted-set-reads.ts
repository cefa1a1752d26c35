// The read side of the feed's sorted sets (timelines and recent-posts sets), each one pipelined
// round trip however many sets a read touches.
//
// A page is the entries strictly after a (score, id) position, in feed order, read with two
// ranges per set: the rest of the cursor's own score (equal scores are ordered by member, which
// ZRANGE ... REV returns descending), then everything below that score. Scores <= 0 are never
// read: that is where the sentinel member lives.
import type { Redis } from 'ioredis';
import type { Entry } from '../domain/entry.ts';

export async function readPages(
  redis: Redis,
  keys: readonly string[],
  after: Entry | undefined,
  limit: number,
): Promise<Entry[][]> {
  const pipeline = redis.pipeline();
  for (const key of keys) {
    if (after) pipeline.zrange(key, String(after.score), String(after.score), 'BYSCORE', 'REV');
    pipeline.zrange(
      key,
      after ? `(${after.score}` : '+inf',
      '(0',
      'BYSCORE',
      'REV',
      'LIMIT',
      0,
      limit,
      'WITHSCORES',
    );
  }
  const values = ((await pipeline.exec()) ?? []).map(([error, value]) => {
    if (error) throw error;
    return value as string[];
  });
  const per = after ? 2 : 1;
  return keys.map((_, k) => {
    const ties = after
      ? (values[k * per] ?? []).filter((id) => id < after.id).map((id) => ({ id, score: after.score }))
      : [];
    return [...ties, ...pairsToEntries(values[k * per + per - 1] ?? [])].slice(0, limit);
  });
}

/**
 * Before a read: does the timeline exist (its TTL is extended too: its owner is reading it), and
 * which of the recent-posts sets are missing.
 */
export async function inspectSets(
  redis: Redis,
  timeline: { key: string; ttlMs: number } | undefined,
  recentKeys: readonly string[],
): Promise<{ timeline: boolean; missingRecent: string[] }> {
  const pipeline = redis.pipeline();
  if (timeline) pipeline.exists(timeline.key).pexpire(timeline.key, timeline.ttlMs);
  for (const key of recentKeys) pipeline.exists(key);
  const exists = ((await pipeline.exec()) ?? []).map(([error, value]) => {
    if (error) throw error;
    return value === 1;
  });
  const offset = timeline ? 2 : 0;
  return {
    timeline: timeline !== undefined && exists[0] === true,
    missingRecent: recentKeys.filter((_, k) => !exists[offset + k]),
  };
}

function pairsToEntries(flat: readonly string[]): Entry[] {
  const entries: Entry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    entries.push({ id: flat[i] as string, score: Number(flat[i + 1]) });
  return entries;
}
