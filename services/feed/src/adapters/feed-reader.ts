// The read path: GET /v1/feed as a k-way merge of sources, each "exact below its position".
//
//   timeline source   the user's pushed timeline in Redis, continued from Postgres when it runs
//                     short (it holds only the newest TIMELINE_MAX, and trims while you page)
//   celebrity source  per followed celebrity, their recent-posts set, continued the same way
//   popular           no follows yet: recent posts of the most-followed authors (cold start)
//   degraded          Redis unavailable: every followee's posts straight from Postgres
//
// Each source returns the next `n` entries strictly after the cursor in (score, id) order, so the
// merge of their pages is exactly the next page of the whole feed. Hydration drops tombstones;
// if that leaves the page short, the merge goes on from the last entry it consumed.
import type pg from 'pg';
import { type Config, effectiveThreshold } from '../config.ts';
import { encodeCursor } from '../domain/cursor.ts';
import type { Entry } from '../domain/entry.ts';
import { mergeSources } from '../domain/merge.ts';
import { type Followee, followees } from './follows-repository.ts';
import type { FeedMetrics, ReadMode } from './metrics.ts';
import type { PostHydrator } from './post-hydrator.ts';
import { entriesByAuthors, type Post } from './posts-repository.ts';
import { type RedisGuard, RedisUnavailableError } from './redis-guard.ts';
import type { TimelineStore } from './timeline-store.ts';
import { markTimelineDirty, type Presence, topAuthors, touchUser } from './users-repository.ts';

export type FeedPage = { items: Post[]; nextCursor: string | null; mode: ReadMode };
type SourcePager = (after: Entry | undefined, n: number) => Promise<Entry[][]>;

export type FeedReaderDeps = {
  pool: pg.Pool;
  timelines: TimelineStore;
  guard: RedisGuard;
  hydrator: PostHydrator;
  metrics: FeedMetrics;
  config: Pick<
    Config,
    | 'FEED_MODE'
    | 'FANOUT_THRESHOLD'
    | 'TIMELINE_MAX'
    | 'RECENT_POSTS_MAX'
    | 'INACTIVE_AFTER_MS'
    | 'POPULAR_AUTHORS'
  >;
};

const MAX_ROUNDS = 4;

export function createFeedReader(deps: FeedReaderDeps) {
  const { pool, config } = deps;
  const threshold = effectiveThreshold(config);

  async function read(userId: string, after: Entry | undefined, limit: number): Promise<FeedPage> {
    const presence = await touchUser(pool, userId);
    const following = await followees(pool, userId);
    if (following.length === 0) {
      const authors = (await topAuthors(pool, config.POPULAR_AUTHORS)).filter((id) => id !== userId);
      return buildPage(
        deps,
        'popular',
        (from, n) => entriesByAuthors(pool, authors, from, n).then((e) => [e]),
        after,
        limit,
      );
    }
    const everyone = following.map((f) => f.id);
    const pullAll: SourcePager = (from, n) => entriesByAuthors(pool, everyone, from, n).then((e) => [e]);
    if (config.FEED_MODE === 'pull') return buildPage(deps, 'pull', pullAll, after, limit);
    try {
      const pager = await materializedPager(userId, following, presence);
      return await buildPage(deps, config.FEED_MODE, pager, after, limit);
    } catch (error) {
      if (!(error instanceof RedisUnavailableError)) throw error;
      // touchUser already cleared the dirty flag and moved last_active_at, but the rebuild they
      // called for may not have happened: keep the timeline dirty, or the next read on Redis would
      // trust a timeline that misses follows (or fan-outs) from before. Cost: one UPDATE per
      // degraded read, and one rebuild per user once Redis is back.
      await markTimelineDirty(pool, userId);
      return buildPage(deps, 'degraded', pullAll, after, limit);
    }
  }

  /** Sources for a user whose timeline lives in Redis, rebuilt first if it is missing or stale. */
  async function materializedPager(userId: string, following: Followee[], presence: Presence) {
    const pushed = following.filter((f) => f.followerCount <= threshold).map((f) => f.id);
    const pulled = following.filter((f) => f.followerCount > threshold).map((f) => f.id);
    await materialize(userId, pushed, pulled, presence);
    const keys = [
      ...(pushed.length > 0 ? [deps.timelines.timelineKey(userId)] : []),
      ...pulled.map((id) => deps.timelines.recentKey(id)),
    ];
    const authorsOf = [...(pushed.length > 0 ? [pushed] : []), ...pulled.map((id) => [id])];
    const pager: SourcePager = async (from, n) => {
      const pages = await deps.guard.run(() => deps.timelines.pages(keys, from, n));
      // A source that ran short may only be trimmed (or lost): continue it from Postgres.
      return Promise.all(
        pages.map(async (entries, k) => {
          if (entries.length >= n) return entries;
          const last = entries[entries.length - 1] ?? from;
          const rest = await entriesByAuthors(pool, authorsOf[k] as string[], last, n - entries.length);
          return [...entries, ...rest];
        }),
      );
    };
    return pager;
  }

  /** Builds from Postgres whatever this read needs and Redis does not have (one round trip to ask). */
  async function materialize(
    userId: string,
    pushed: string[],
    pulled: string[],
    { previous, dirty }: Presence,
  ) {
    const found = await deps.guard.run(() =>
      deps.timelines.inspect(pushed.length > 0 ? userId : undefined, pulled),
    );
    for (const author of found.missingRecent) {
      const newest = await entriesByAuthors(pool, [author], undefined, config.RECENT_POSTS_MAX);
      await deps.guard.run(() => deps.timelines.fillRecent(author, newest));
    }
    if (pushed.length === 0) return;
    const inactive = previous === undefined || Date.now() - previous.getTime() > config.INACTIVE_AFTER_MS;
    if (found.timeline && !inactive && !dirty) return;
    deps.metrics.rebuilds.inc({ reason: !found.timeline ? 'missing' : dirty ? 'dirty' : 'inactive' });
    // Reset to an empty (sentinel-only) timeline first, so fan-out lands in it while Postgres is
    // read: a post committed before the read is in the read, one fanned out after the reset is in
    // the set, and writing the same (score, id) twice changes nothing.
    await deps.guard.run(() => deps.timelines.resetTimeline(userId));
    const newest = await entriesByAuthors(pool, pushed, undefined, config.TIMELINE_MAX);
    await deps.guard.run(() => deps.timelines.fillTimeline(userId, newest));
  }

  return { read };
}

/**
 * Merges the sources' pages after `after` until `limit` visible posts (or the end), hydrating and
 * dropping tombstones; the cursor is the last entry consumed, shown or not.
 */
async function buildPage(
  deps: Pick<FeedReaderDeps, 'hydrator' | 'metrics'>,
  mode: ReadMode,
  pager: SourcePager,
  after: Entry | undefined,
  limit: number,
): Promise<FeedPage> {
  const items: Post[] = [];
  let position = after;
  let exhausted = false;
  for (let round = 0; round < MAX_ROUNDS && items.length < limit && !exhausted; round += 1) {
    const want = limit - items.length;
    const merged = mergeSources(await pager(position, want), want);
    exhausted = merged.length < want;
    const records = await deps.hydrator.hydratePosts(merged.map((entry) => entry.id));
    for (const entry of merged) {
      const record = records.get(entry.id);
      if (record && !('deleted' in record)) items.push(record);
      position = entry;
    }
  }
  deps.metrics.reads.inc({ mode });
  const nextCursor = !exhausted && position && position !== after ? encodeCursor(position) : null;
  return { items, nextCursor, mode };
}
