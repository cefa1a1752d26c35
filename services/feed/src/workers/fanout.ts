// Fan-out on write, the push half of the hybrid feed. For each `post.created`:
//   1. the post joins its author's recent-posts set (always: celebrities are read from there);
//   2. an author with at most `threshold` followers has the post id pushed into every active
//      follower's timeline, one pipeline per keyset batch of followers, each timeline trimmed;
//      above the threshold nothing is pushed: readers merge the author's recent set at read time
//      (100,000 followers would be 100,000 writes per post, most for people who never look);
//   3. connected followers get a live event.
// Followers inactive for longer than the window are skipped; their timeline is rebuilt when they
// read again (and Redis has expired it by then).
//
// Redelivery writes nothing twice: the consumer records the event id in the handler's transaction
// and skips a repeat, and even a handler that runs again after a rolled-back attempt only
// re-adds the same (score, id) members, which a sorted set counts as no change.
import type pg from 'pg';
import { activeFollowersBatch } from '../adapters/follows-repository.ts';
import type { FeedMetrics } from '../adapters/metrics.ts';
import type { TimelineStore } from '../adapters/timeline-store.ts';
import { followerCount } from '../adapters/users-repository.ts';
import type { Entry } from '../domain/entry.ts';

type Db = Pick<pg.PoolClient, 'query'>;

export type FanoutDeps = {
  timelines: TimelineStore;
  metrics?: FeedMetrics;
  threshold: number;
  batchSize: number;
  inactiveAfterMs: number;
};

export type FanoutResult = { strategy: 'push' | 'pull'; written: number; followersVisited: number };

/** Fans one post out. `db` is the consumer's transaction (or any connection, in benchmarks). */
export async function fanOutPost(
  deps: FanoutDeps,
  db: Db,
  authorId: string,
  entry: Entry,
): Promise<FanoutResult> {
  await deps.timelines.addRecent(authorId, entry);
  const followers = (await followerCount(db, authorId)) ?? 0;
  if (followers > deps.threshold) {
    deps.metrics?.fanoutPosts.inc({ strategy: 'pull' });
    return { strategy: 'pull', written: 0, followersVisited: 0 };
  }
  const activeSince = new Date(Date.now() - deps.inactiveAfterMs);
  let afterId = '';
  let written = 0;
  let visited = 0;
  // Read batch N+1 from Postgres while batch N's pipeline is in Redis.
  const readBatch = () => {
    const pending = activeFollowersBatch(db, authorId, { afterId, activeSince, limit: deps.batchSize });
    pending.catch(() => {}); // awaited below; this only keeps an early exit from leaving it unhandled
    return pending;
  };
  let next = readBatch();
  for (;;) {
    const batch = await next;
    if (batch.lastId === undefined) break;
    afterId = batch.lastId;
    next = readBatch();
    visited += batch.ids.length;
    written += await deps.timelines.pushToTimelines(batch.ids, entry);
  }
  deps.metrics?.fanoutWrites.inc(written);
  deps.metrics?.fanoutPosts.inc({ strategy: 'push' });
  return { strategy: 'push', written, followersVisited: visited };
}

/** A deleted post leaves the recent set and the timelines it was pushed to (reads filter it anyway). */
export async function removeFannedOutPost(
  deps: FanoutDeps,
  db: Db,
  authorId: string,
  postId: string,
): Promise<void> {
  await deps.timelines.removeRecent(authorId, postId);
  if (((await followerCount(db, authorId)) ?? 0) > deps.threshold) return;
  let afterId = '';
  for (;;) {
    const batch = await activeFollowersBatch(db, authorId, {
      afterId,
      activeSince: new Date(0),
      limit: deps.batchSize,
    });
    if (batch.lastId === undefined) return;
    afterId = batch.lastId;
    await deps.timelines.removeFromTimelines(batch.ids, postId);
  }
}
