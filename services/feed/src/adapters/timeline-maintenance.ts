// What a follow, an unfollow or a delete changes in Redis after the Postgres transaction
// committed. Postgres is the truth and these are derived copies, so a Redis failure here must not
// fail the request: the user's timeline is marked dirty in Postgres instead, and the next read
// rebuilds it from the tables.

import type { Logger } from '@lab/service-kit';
import type pg from 'pg';
import type { PostHydrator } from './post-hydrator.ts';
import { entriesByAuthors, type PostRecord } from './posts-repository.ts';
import type { RedisGuard } from './redis-guard.ts';
import type { TimelineStore } from './timeline-store.ts';
import { markTimelineDirty } from './users-repository.ts';

export type TimelineMaintenance = ReturnType<typeof createTimelineMaintenance>;

export function createTimelineMaintenance(deps: {
  pool: pg.Pool;
  timelines: TimelineStore;
  guard: RedisGuard;
  hydrator: PostHydrator;
  logger: Logger;
  threshold: number;
  backfillPosts: number;
  timelineMax: number;
}) {
  const { pool, timelines, guard } = deps;
  const orDirty = async (userId: string, what: string, work: () => Promise<unknown>) => {
    try {
      await guard.run(work);
    } catch (error) {
      deps.logger.warn({ err: error, what }, 'timeline change not applied to Redis; rebuilding on next read');
      await markTimelineDirty(pool, userId);
    }
  };
  return {
    /** A new follow: the followee's newest posts join the follower's timeline (if pushed). */
    async afterFollow(followerId: string, followeeId: string, followeeFollowers: number) {
      if (followeeFollowers > deps.threshold || deps.backfillPosts === 0) return;
      const recent = await entriesByAuthors(pool, [followeeId], undefined, deps.backfillPosts);
      await orDirty(followerId, 'backfill', () => timelines.addToTimeline(followerId, recent));
    },
    /** An unfollow: the followee's posts leave the follower's timeline. */
    async afterUnfollow(followerId: string, followeeId: string) {
      const theirs = await entriesByAuthors(pool, [followeeId], undefined, deps.timelineMax);
      await orDirty(followerId, 'unfollow', () =>
        timelines.removeFromTimeline(
          followerId,
          theirs.map((entry) => entry.id),
        ),
      );
    },
    /** A delete: every instance's cached copy becomes the tombstone at once. */
    async afterDelete(record: PostRecord) {
      await deps.hydrator.markDeleted(record);
    },
  };
}
