// The feed's own metrics (the pattern's, beside service-kit's RED metrics). Labels are closed
// sets chosen here, never a user id or a post id.
import { counter, type Registry } from '@lab/service-kit';

export const READ_MODES = ['hybrid', 'push', 'pull', 'popular', 'degraded'] as const;
export type ReadMode = (typeof READ_MODES)[number];

export function createFeedMetrics(registry: Registry) {
  return {
    reads: counter(registry, {
      name: 'feed_reads_total',
      help: 'Feed pages served, by how they were built (degraded = Redis unavailable, read from Postgres).',
      labelNames: ['mode'],
    }),
    fanoutWrites: counter(registry, {
      name: 'feed_fanout_writes_total',
      help: 'Post ids newly written into follower timelines by the fan-out worker.',
      labelNames: [],
    }),
    fanoutPosts: counter(registry, {
      name: 'feed_fanout_posts_total',
      help: 'Posts handled by the fan-out worker: pushed to timelines, or pulled at read time (celebrity).',
      labelNames: ['strategy'],
    }),
    rebuilds: counter(registry, {
      name: 'feed_timeline_rebuilds_total',
      help: 'Timelines rebuilt from Postgres on read: missing (never built, expired, flushed) or inactive owner.',
      labelNames: ['reason'],
    }),
    liveEvents: counter(registry, {
      name: 'feed_live_events_total',
      help: 'Live feed events written for connected followers.',
      labelNames: [],
    }),
  };
}

export type FeedMetrics = ReturnType<typeof createFeedMetrics>;
