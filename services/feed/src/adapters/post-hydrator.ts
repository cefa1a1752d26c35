// Post hydration: ids -> post bodies, through @lab/cache (L1 + Redis, stampede protection,
// invalidation on delete). `hydratePosts` is the one function the read path calls.
//
// For now each id is its own getOrLoad, run concurrently; the misses of one call are gathered by a
// small batcher into one `WHERE id = ANY(...)` query instead of one query per id. A multi-key
// `getOrLoadMany` is being added to @lab/cache; when it lands, the body of hydratePosts becomes
// that one call (and the batcher goes), with nothing else changing.
import { type Cache, NOT_FOUND } from '@lab/cache';
import type pg from 'pg';
import { findPosts, type PostRecord } from './posts-repository.ts';

export type PostHydrator = {
  hydratePosts(ids: readonly string[]): Promise<Map<string, PostRecord>>;
  /** After a delete: every instance stops serving the cached body. */
  markDeleted(record: PostRecord): Promise<void>;
};

export function createPostHydrator({ cache, pool }: { cache: Cache; pool: pg.Pool }): PostHydrator {
  const load = createBatchLoader((ids) => findPosts(pool, ids));
  return {
    async hydratePosts(ids) {
      const records = await Promise.all(
        ids.map((id) => cache.getOrLoad<PostRecord>(id, async () => (await load(id)) ?? NOT_FOUND)),
      );
      const found = new Map<string, PostRecord>();
      for (const record of records) if (record) found.set(record.id, record);
      return found;
    },
    markDeleted: (record) => cache.set(record.id, record),
  };
}

/** Loads issued in the same event-loop turn share one query. */
function createBatchLoader(
  loadMany: (ids: string[]) => Promise<PostRecord[]>,
): (id: string) => Promise<PostRecord | undefined> {
  let pending: Map<string, ((value: PostRecord | undefined) => void)[]> | undefined;
  let failures: ((error: unknown) => void)[] = [];
  const flush = async () => {
    const batch = pending as Map<string, ((value: PostRecord | undefined) => void)[]>;
    const rejects = failures;
    pending = undefined;
    failures = [];
    try {
      const byId = new Map((await loadMany([...batch.keys()])).map((record) => [record.id, record]));
      for (const [id, resolvers] of batch) for (const resolve of resolvers) resolve(byId.get(id));
    } catch (error) {
      for (const reject of rejects) reject(error);
    }
  };
  return (id) =>
    new Promise((resolve, reject) => {
      if (!pending) {
        pending = new Map();
        setImmediate(flush);
      }
      pending.set(id, [...(pending.get(id) ?? []), resolve]);
      failures.push(reject);
    });
}
