// Starts the real service for integration tests: its own Postgres database, Redis key prefix and
// Kafka topic prefix (so files run in parallel), optionally with Redis or Kafka behind Toxiproxy.
import type { CallReply } from '@lab/testkit';

export { call } from '@lab/testkit';

import { randomUUID } from 'node:crypto';
import { metricValue } from '@lab/metrics';
import { createRegistry, type Registry, signDevToken } from '@lab/service-kit';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
  testDependencies,
} from '@lab/testkit';
import type { ISocketFactory } from 'kafkajs';
import { loadServiceConfig } from '../src/config.ts';
import { createUrlShortenerService } from '../src/main.ts';
import { deleteTopics, prepareTopics } from './topics.ts';

export const JWT_SECRET = 'test-secret-of-at-least-32-characters-0123';
export const PUBLIC_BASE_URL = 'http://sho.rt';

export type Running = {
  url: string;
  registry: Registry;
  service: Awaited<ReturnType<typeof createUrlShortenerService>>;
  stop: () => Promise<unknown>;
  metric: (name: string, labels?: Record<string, string>) => Promise<number>;
};

export type TestBed = {
  db: TestDatabase;
  redis: TestRedis;
  topicPrefix: string;
  start: (
    env?: Record<string, string>,
    options?: { kafkaSocketFactory?: ISocketFactory },
  ) => Promise<Running>;
  token: (claims?: {
    sub?: string;
    tenant?: string;
    tier?: 'free' | 'pro' | 'enterprise';
  }) => Promise<string>;
  cleanup: () => Promise<void>;
};

export async function createTestBed(label: string): Promise<TestBed> {
  const db = await createTestDatabase(label);
  const redis = await createTestRedis(label);
  const { kafkaBrokers } = await testDependencies();
  const topicPrefix = `t${randomUUID().slice(0, 8)}.`;
  await prepareTopics(kafkaBrokers, topicPrefix);
  const running: Running[] = [];
  return {
    db,
    redis,
    topicPrefix,
    async start(env = {}, options = {}) {
      const config = loadServiceConfig({
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.prefix,
        KAFKA_BROKERS: kafkaBrokers.join(','),
        KAFKA_TOPIC_PREFIX: topicPrefix,
        PUBLIC_BASE_URL,
        JWT_SECRET,
        PORT: '0',
        LOG_LEVEL: 'silent',
        SHUTDOWN_DRAIN_MS: '0',
        CLICK_FLUSH_MS: '50',
        ...env,
      });
      const registry = createRegistry();
      const service = await createUrlShortenerService(config, { registry, ...options });
      await service.start({ handleSignals: false });
      const handle: Running = {
        url: service.url,
        registry,
        service,
        stop: () => service.stop(),
        metric: (name, labels) => metricValue(registry, name, labels),
      };
      running.push(handle);
      return handle;
    },
    token: ({ sub = 'ann', tenant = 'acme', tier = 'pro' } = {}) =>
      signDevToken({ sub, tenant, tier, secret: JWT_SECRET }),
    async cleanup() {
      for (const service of running) await service.stop();
      await deleteTopics(kafkaBrokers, topicPrefix);
      await redis.cleanup();
      await db.drop();
    },
  };
}

export type Reply = CallReply;
