// Starts the real feed service for integration tests: its own Postgres database, Redis key
// prefix and Kafka topics (created and led before any service produces to them).
import type { CallReply } from '@lab/testkit';

import { call } from '@lab/testkit';

export { call };

import { signDevToken } from '@lab/service-kit';
import {
  createTestDatabase,
  createTestKafka,
  createTestRedis,
  type TestDatabase,
  type TestKafka,
  type TestRedis,
  testDependencies,
  waitUntil,
} from '@lab/testkit';
import { loadServiceConfig } from '../src/config.ts';
import { createFeedService } from '../src/main.ts';

export const JWT_SECRET = 'test-secret-of-at-least-32-characters-0123';

export type Running = Awaited<ReturnType<typeof createFeedService>>;

export type TestBed = {
  db: TestDatabase;
  redis: TestRedis;
  kafka: TestKafka;
  topics: { postCreated: string; postDeleted: string; notificationRequested: string };
  env: Record<string, string>;
  start: (env?: Record<string, string>) => Promise<Running>;
  /** A token for `sub` (minted once per test file). */
  token: (sub: string) => Promise<string>;
  cleanup: () => Promise<void>;
};

export async function createTestBed(label: string): Promise<TestBed> {
  const db = await createTestDatabase(label);
  const redis = await createTestRedis(label);
  const kafka = await createTestKafka(label);
  const { kafkaBrokers } = await testDependencies();
  const topics = {
    postCreated: await createLedTopic(kafka, 'post.created'),
    postDeleted: await createLedTopic(kafka, 'post.deleted'),
    notificationRequested: await createLedTopic(kafka, 'notification.requested'),
  };
  const running: Running[] = [];
  const tokens = new Map<string, string>();
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    KAFKA_BROKERS: kafkaBrokers.join(','),
    REDIS_KEY_PREFIX: redis.prefix,
    JWT_SECRET,
    PORT: '0',
    LOG_LEVEL: process.env.FEED_TEST_LOG ?? 'silent',
    SHUTDOWN_DRAIN_MS: '0',
    OUTBOX_POLL_MS: '100',
    TOPIC_POST_CREATED: topics.postCreated,
    TOPIC_POST_DELETED: topics.postDeleted,
    TOPIC_NOTIFICATION_REQUESTED: topics.notificationRequested,
    FANOUT_GROUP: `${label}-fanout-${topics.postCreated.slice(-8)}`,
  };
  return {
    db,
    redis,
    kafka,
    topics,
    env,
    async start(extra = {}) {
      const service = await createFeedService(loadServiceConfig({ ...env, ...extra }));
      await service.start({ handleSignals: false });
      running.push(service);
      return service;
    },
    token: async (sub) => {
      const known = tokens.get(sub);
      if (known) return known;
      const minted = await signDevToken({ sub, tenant: 'lab', tier: 'enterprise', secret: JWT_SECRET });
      tokens.set(sub, minted);
      return minted;
    },
    async cleanup() {
      for (const service of running) await service.stop();
      await redis.cleanup();
      await kafka.cleanup();
      await db.drop();
    },
  };
}

/**
 * Creates a topic and waits (bounded) until the broker serves every partition: on the shared,
 * busy broker a just-created topic is sometimes refused for a moment ("does not host this
 * topic-partition") even after createTopics reported its leaders.
 */
async function createLedTopic(kafka: TestKafka, base: string): Promise<string> {
  let topic: string | undefined;
  await waitUntil(
    async () => {
      try {
        topic ??= await kafka.createTopic(base);
        const admin = kafka.kafka.admin();
        await admin.connect();
        try {
          const offsets = await admin.fetchTopicOffsets(topic);
          return offsets.length === 3;
        } finally {
          await admin.disconnect();
        }
      } catch {
        return false;
      }
    },
    { timeoutMs: 60_000, intervalMs: 250, message: `topic ${base} is served` },
  );
  return topic as string;
}

export type Answer = CallReply;

export type FeedItem = { id: string; authorId: string; body: string; createdAt: string };

/** Reads every page of a user's feed; returns the ids in order and the modes seen. */
export async function readAllPages(
  base: string,
  token: string,
  { limit = 10, between }: { limit?: number; between?: (page: number) => Promise<void> } = {},
): Promise<{ ids: string[]; modes: string[]; pages: number }> {
  const ids: string[] = [];
  const modes: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = cursor ? `?limit=${limit}&cursor=${cursor}` : `?limit=${limit}`;
    const page = await call(base, 'GET', `/v1/feed${query}`, { token });
    if (page.status !== 200)
      throw new Error(`feed page answered ${page.status}: ${JSON.stringify(page.body)}`);
    modes.push(page.headers.get('x-feed-mode') ?? '');
    for (const item of page.body.items as FeedItem[]) ids.push(item.id);
    cursor = page.body.next_cursor as string | null;
    pages += 1;
    if (cursor && between) await between(pages);
  } while (cursor);
  return { ids, modes, pages };
}

/** The truth in Postgres: the live posts of the accounts `user` follows, in feed order. */
export async function feedTruth(bed: TestBed, user: string): Promise<string[]> {
  const { rows } = await bed.db.pool.query(
    `SELECT p.id FROM posts p JOIN follows f ON f.followee_id = p.author_id
     WHERE f.follower_id = $1 AND p.deleted_at IS NULL ORDER BY p.score DESC, p.id DESC`,
    [user],
  );
  return rows.map((row) => row.id as string);
}
