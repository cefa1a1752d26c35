// Timelines and recent-posts sets in Redis: the materialized part of the hybrid feed.
//   <prefix>tl:<user>      sorted set, post id -> score, newest TIMELINE_MAX (+ a sentinel)
//   <prefix>recent:<user>  sorted set, the author's newest RECENT_POSTS_MAX posts (+ a sentinel)
// Both follow one rule (lua/timeline-add.lua): new posts are added only to a set that exists, and
// a missing set is built whole from Postgres by the reader who needs it.
// Reads return entries strictly after a (score, id) position, in feed order, using two ranges:
// the rest of the cursor's own score (ties ordered by id), then everything below it.

import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Entry } from '../domain/entry.ts';

const ADD_SCRIPT = readFileSync(new URL('./lua/timeline-add.lua', import.meta.url), 'utf8');
type Scripted = Redis & {
  feedTimelineAdd(
    key: string,
    max: number,
    onlyIfExists: 0 | 1,
    ...pairs: (string | number)[]
  ): Promise<number>;
};
type Pipeline = ReturnType<Redis['pipeline']> & {
  feedTimelineAdd(key: string, max: number, onlyIfExists: 0 | 1, ...pairs: (string | number)[]): Pipeline;
};

export type TimelineStore = ReturnType<typeof createTimelineStore>;

export function createTimelineStore({
  redis,
  prefix,
  timelineMax,
  recentMax,
  timelineTtlMs,
}: {
  redis: Redis;
  prefix: string;
  timelineMax: number;
  recentMax: number;
  timelineTtlMs: number;
}) {
  if (!('feedTimelineAdd' in redis))
    redis.defineCommand('feedTimelineAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
  const scripted = redis as Scripted;
  const timelineKey = (user: string) => `${prefix}tl:${user}`;
  const recentKey = (author: string) => `${prefix}recent:${author}`;

  return {
    timelineKey,
    recentKey,
    /** Pushes one post into many timelines in one pipeline; returns how many timelines gained it. */
    async pushToTimelines(users: readonly string[], entry: Entry): Promise<number> {
      if (users.length === 0) return 0;
      const pipeline = redis.pipeline() as Pipeline;
      for (const user of users)
        pipeline.feedTimelineAdd(timelineKey(user), timelineMax, 1, entry.score, entry.id);
      return countAdded(await pipeline.exec());
    },
    /** Creates (or tops up) a timeline from entries read in Postgres; refreshes its TTL. */
    async fillTimeline(user: string, entries: readonly Entry[]): Promise<void> {
      const pairs = entries.flatMap((entry) => [entry.score, entry.id]);
      await scripted.feedTimelineAdd(timelineKey(user), timelineMax, 0, ...pairs);
      await redis.pexpire(timelineKey(user), timelineTtlMs);
    },
    /** Empties the timeline to its sentinel (a rebuild follows). */
    async resetTimeline(user: string): Promise<void> {
      await redis
        .multi()
        .del(timelineKey(user))
        .zadd(timelineKey(user), 0, '.')
        .pexpire(timelineKey(user), timelineTtlMs)
        .exec();
    },
    /** Adds entries to a timeline that exists (a follow's backfill); absent ones are rebuilt on read. */
    async addToTimeline(user: string, entries: readonly Entry[]): Promise<number> {
      if (entries.length === 0) return 0;
      const pairs = entries.flatMap((entry) => [entry.score, entry.id]);
      return scripted.feedTimelineAdd(timelineKey(user), timelineMax, 1, ...pairs);
    },
    /**
     * One round trip before a read: does the user's timeline exist (its TTL is extended: the owner
     * is reading it), and which of these authors' recent-posts sets are missing.
     */
    async inspect(
      user: string | undefined,
      authors: readonly string[],
    ): Promise<{ timeline: boolean; missingRecent: string[] }> {
      const pipeline = redis.pipeline();
      if (user !== undefined) pipeline.exists(timelineKey(user)).pexpire(timelineKey(user), timelineTtlMs);
      for (const author of authors) pipeline.exists(recentKey(author));
      const replies = (await pipeline.exec()) ?? [];
      const exists = replies.map(([error, value]) => {
        if (error) throw error;
        return value === 1;
      });
      const offset = user === undefined ? 0 : 2;
      return {
        timeline: user !== undefined && exists[0] === true,
        missingRecent: authors.filter((_, k) => !exists[offset + k]),
      };
    },
    async removeFromTimeline(user: string, ids: readonly string[]): Promise<void> {
      if (ids.length > 0) await redis.zrem(timelineKey(user), ...ids);
    },
    /** Drops one post from many timelines (a delete) in one pipeline. */
    async removeFromTimelines(users: readonly string[], id: string): Promise<void> {
      if (users.length === 0) return;
      const pipeline = redis.pipeline();
      for (const user of users) pipeline.zrem(timelineKey(user), id);
      await pipeline.exec();
    },
    /** A new post of an author whose recent set is materialized (same rule as timelines). */
    async addRecent(author: string, entry: Entry): Promise<void> {
      await scripted.feedTimelineAdd(recentKey(author), recentMax, 1, entry.score, entry.id);
    },
    /** Materializes an author's recent set from Postgres (a reader found it missing). */
    async fillRecent(author: string, entries: readonly Entry[]): Promise<void> {
      await scripted.feedTimelineAdd(
        recentKey(author),
        recentMax,
        0,
        ...entries.flatMap((entry) => [entry.score, entry.id]),
      );
    },
    async removeRecent(author: string, id: string): Promise<void> {
      await redis.zrem(recentKey(author), id);
    },
    /** One page of several sorted sets in one round trip: entries strictly after `after`. */
    async pages(keys: readonly string[], after: Entry | undefined, limit: number): Promise<Entry[][]> {
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
      const replies = (await pipeline.exec()) ?? [];
      const values = replies.map(([error, value]) => {
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
    },
  };
}

function pairsToEntries(flat: readonly string[]): Entry[] {
  const entries: Entry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    entries.push({ id: flat[i] as string, score: Number(flat[i + 1]) });
  return entries;
}

function countAdded(replies: [Error | null, unknown][] | null): number {
  let added = 0;
  for (const [error, value] of replies ?? []) {
    if (error) throw error;
    if (typeof value === 'number' && value > 0) added += value;
  }
  return added;
}
