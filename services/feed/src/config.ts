// The feed's environment, parsed once with zod (service-kit's base variables plus these). Every
// bound a caller can reach (page size, body length, follows, stream connections) is here, so an
// operator sees the whole cost envelope of the service in one file.
import { baseConfigSchema, loadConfig, z } from '@lab/service-kit';

const int = (min: number) => z.coerce.number().int().min(min);

export const FEED_MODES = ['hybrid', 'push', 'pull'] as const;
export type FeedMode = (typeof FEED_MODES)[number];

export const configSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8084),
  // Every Redis key of this service starts with it (timelines, recent posts, cache, limits, live).
  REDIS_KEY_PREFIX: z.string().min(1).max(64).default('feed:'),
  // hybrid: push to followers of authors at or below the threshold, pull celebrities at read time.
  // push: every author is pushed (threshold = infinity). pull: nothing is pushed; reads merge in
  // Postgres. The three exist side by side for the benchmark and experiments.
  FEED_MODE: z.enum(FEED_MODES).default('hybrid'),
  // Authors with more followers than this are "celebrities": their posts are not fanned out.
  FANOUT_THRESHOLD: int(0).default(10_000),
  // Followers written per Redis pipeline during fan-out.
  FANOUT_BATCH: int(1).max(10_000).default(1_000),
  // A timeline keeps the newest N post ids (Twitter kept ~800); older pages come from Postgres.
  TIMELINE_MAX: int(10).max(10_000).default(800),
  // The newest posts of each author kept in Redis (celebrities are read from here).
  RECENT_POSTS_MAX: int(10).max(10_000).default(800),
  // Followers not seen for this long are skipped by fan-out; their timeline is rebuilt when they
  // come back, and Redis drops it after the same period (its TTL), so idle users cost no memory.
  INACTIVE_AFTER_MS: int(1).default(30 * 24 * 60 * 60 * 1000),
  // Posts of a newly followed account copied into the follower's timeline.
  BACKFILL_POSTS: int(0).max(800).default(50),
  // The "popular" cold-start feed: recent posts of the N most-followed authors.
  POPULAR_AUTHORS: int(1).max(1_000).default(50),
  MAX_FOLLOWING: int(1).max(100_000).default(5_000),
  POST_MAX_CHARS: int(1).max(10_000).default(2_000),
  PAGE_MAX: int(1).max(200).default(100),
  // Per-user limits (GCRA, per minute) on writes.
  POSTS_PER_MINUTE: int(1).default(30),
  FOLLOWS_PER_MINUTE: int(1).default(60),
  POST_CACHE_TTL_MS: int(1).default(60_000),
  // Each feed Redis call waits this long before the read degrades to Postgres.
  REDIS_TIMEOUT_MS: int(1).default(250),
  // Live updates (SSE).
  SSE_HEARTBEAT_MS: int(100).default(15_000),
  SSE_MAX_PER_USER: int(1).max(100).default(3),
  SSE_MAX_PER_INSTANCE: int(1).default(1_000),
  // How many undelivered live events a user's stream keeps for Last-Event-ID resumes.
  SSE_REPLAY_MAX: int(10).max(10_000).default(500),
  // Topics and consumer group: overridable so tests run on their own topics.
  TOPIC_POST_CREATED: z.string().min(1).max(200).default('post.created'),
  TOPIC_POST_DELETED: z.string().min(1).max(200).default('post.deleted'),
  TOPIC_NOTIFICATION_REQUESTED: z.string().min(1).max(200).default('notification.requested'),
  FANOUT_GROUP: z.string().min(1).max(200).default('feed-fanout'),
  // Relay poll floor; NOTIFY wakes it sooner.
  OUTBOX_POLL_MS: int(10).default(500),
  TRUST_PROXY: z.string().min(1).default('loopback, linklocal, uniquelocal'),
});

export type Config = z.infer<typeof configSchema>;

export function loadServiceConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(configSchema, env);
}

/** The follower count above which an author is pulled, not pushed, in the configured mode. */
export function effectiveThreshold(config: Pick<Config, 'FEED_MODE' | 'FANOUT_THRESHOLD'>): number {
  if (config.FEED_MODE === 'push') return Number.POSITIVE_INFINITY;
  if (config.FEED_MODE === 'pull') return -1;
  return config.FANOUT_THRESHOLD;
}

export type Topics = { postCreated: string; postDeleted: string; notificationRequested: string };

/** The topic names in use (the contract's, unless configured otherwise). */
export function topicsOf(config: Config): Topics {
  return {
    postCreated: config.TOPIC_POST_CREATED,
    postDeleted: config.TOPIC_POST_DELETED,
    notificationRequested: config.TOPIC_NOTIFICATION_REQUESTED,
  };
}

/** A contract topic (`post.created`, ...) under its configured name. */
export function configuredTopic(topic: string, topics: Topics): string {
  const byContract: Record<string, string> = {
    'post.created': topics.postCreated,
    'post.deleted': topics.postDeleted,
    'notification.requested': topics.notificationRequested,
  };
  return byContract[topic] ?? topic;
}
