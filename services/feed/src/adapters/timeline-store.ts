// Timelines and recent-posts sets in Redis: the materialized part of the hybrid feed.
//   <prefix>tl:<user>      sorted set, post id -> score, newest TIMELINE_MAX (+ a sentinel)
//   <prefix>recent:<user>  sorted set, the author's newest RECENT_POSTS_MAX posts (+ a sentinel)
// Both follow one rule (lua/timeline-add.lua): new posts are added only to a set that exists, and
// a missing set is built whole from Postgres by the reader who needs it.
// The reads (pages after a cursor, existence checks) are in sorted-set-reads.ts.

import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Entry } from '../domain/entry.ts';
import { inspectSets, readPages } from './sorted-set-reads.ts';

const ADD_SCRIPT = readFileSync(new URL('./lua/timeline-add.lua', import.meta.url), 'utf8');
const PUSH_MANY_SCRIPT = readFileSync(new URL('./lua/timeline-push-many.lua', import.meta.url), 'utf8');
/** Timelines per fan-out script call (see lua/timeline-push-many.lua). */
const KEYS_PER_CALL = 100;
type Scripted = Redis & {
  feedTimelineAdd(
    key: string,
    max: number,
    onlyIfExists: 0 | 1,
    ...pairs: (string | number)[]
  ): Promise<number>;
};
type Pipeline = ReturnType<Redis['pipeline']> & {
  feedTimelinePushMany(keyCount: number, ...keysThenArgs: (string | number)[]): Pipeline;
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
  if (!('feedTimelinePushMany' in redis))
    redis.defineCommand('feedTimelinePushMany', { lua: PUSH_MANY_SCRIPT });
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
      for (let i = 0; i < users.length; i += KEYS_PER_CALL) {
        const keys = users.slice(i, i + KEYS_PER_CALL).map(timelineKey);
        pipeline.feedTimelinePushMany(keys.length, ...keys, timelineMax, entry.score, entry.id);
      }
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
    /** One round trip before a read: does the timeline exist, which authors' recent sets are missing. */
    async inspect(user: string | undefined, authors: readonly string[]) {
      const timeline = user === undefined ? undefined : { key: timelineKey(user), ttlMs: timelineTtlMs };
      const found = await inspectSets(redis, timeline, authors.map(recentKey));
      const missing = new Set(found.missingRecent);
      return {
        timeline: found.timeline,
        missingRecent: authors.filter((author) => missing.has(recentKey(author))),
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
    /** See readPages: entries strictly after `after`, from several sets in one round trip. */
    pages: (keys: readonly string[], after: Entry | undefined, limit: number) =>
      readPages(redis, keys, after, limit),
  };
}

function countAdded(replies: [Error | null, unknown][] | null): number {
  let added = 0;
  for (const [error, value] of replies ?? []) {
    if (error) throw error;
    if (typeof value === 'number' && value > 0) added += value;
  }
  return added;
}
