// Post hydration: ids -> post bodies, through @lab/cache's `getOrLoadMany` (L1 + Redis, one lock
// round trip for the page, stampede protection per key, fenced writes). `hydratePosts` is the one
// function the read path calls: the ids no cache layer had cost ONE `WHERE id = ANY(...)` query.
//
// A delete writes the tombstone through the cache (`set` moves the key's fence and publishes the
// invalidation): every instance drops its copy, and a load that read the row before the delete
// cannot store the old body after it.
import type { Cache, NOT_FOUND } from '@lab/cache';
import type pg from 'pg';
import { findPosts, type PostRecord } from './posts-repository.ts';

export type PostHydrator = {
  hydratePosts(ids: readonly string[]): Promise<Map<string, PostRecord>>;
  /** After a delete: every instance stops serving the cached body. */
  markDeleted(record: PostRecord): Promise<void>;
};

export function createPostHydrator({ cache, pool }: { cache: Cache; pool: pg.Pool }): PostHydrator {
  // An id the query does not return is "not found" (cached briefly, so unknown ids cost no query).
  const loadMany = async (ids: string[]) => {
    const byId = new Map<string, PostRecord | typeof NOT_FOUND>();
    for (const record of await findPosts(pool, ids)) byId.set(record.id, record);
    return byId;
  };
  return {
    async hydratePosts(ids) {
      const found = new Map<string, PostRecord>();
      if (ids.length === 0) return found;
      const records = await cache.getOrLoadMany<PostRecord>([...ids], loadMany);
      for (const record of records) if (record) found.set(record.id, record);
      return found;
    },
    markDeleted: (record) => cache.set(record.id, record),
  };
}
