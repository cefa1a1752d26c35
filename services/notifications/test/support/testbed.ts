// Starts the real notifications service for integration tests, next to an in-process provider-sim:
// a fresh database, a Redis key prefix and Kafka topic names of its own (a unique topic prefix),
// short retry delays, and a clock the test can move. Everything is torn down by cleanup().
import { createServer } from 'node:net';
import { ensureTopics } from '@lab/service-kit';
import { call, createTestDatabase, createTestKafka, createTestRedis, uniqueName } from '@lab/testkit';
import { API_KEY, startProviderSim, WEBHOOK_SECRET } from '../../../provider-sim/test/support.ts';
import { type Config, loadServiceConfig } from '../../src/config.ts';
import { createNotificationsService } from '../../src/main.ts';
import { JWT_SECRET, tokenFor } from './tokens.ts';

export { API_KEY, WEBHOOK_SECRET };

export type Notifications = Awaited<ReturnType<typeof createNotificationsService>>;

/** A clock the test moves by hand (quiet hours, webhook timestamps). */
export function manualClock(start = new Date()) {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    set: (at: Date) => {
      current = at.getTime();
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `webhooks: false` leaves provider-sim without a WEBHOOK_URL (the benchmark measures sending). */
export async function createTestBed(label: string, options: { webhooks?: boolean } = {}) {
  const db = await createTestDatabase(label);
  const redis = await createTestRedis(label);
  const kafka = await createTestKafka(label);
  const topicPrefix = `${uniqueName(label)}.`;
  // notification.requested belongs to its producers (url-shortener, feed), which create it; the
  // service only waits for it, so the bed creates it as they would.
  await ensureTopics(kafka.brokers, [{ topic: `${topicPrefix}notification.requested`, partitions: 2 }]);
  const port = await freePort();
  const sim = await startProviderSim(
    options.webhooks === false ? {} : { WEBHOOK_URL: `http://127.0.0.1:${port}/v1/webhooks/provider-sim` },
  );
  const running: Notifications[] = [];
  const configs: Config[] = [];

  /** The service's environment in this bed (also for running it as a child process). */
  function envFor(env: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      KAFKA_BROKERS: kafka.brokers.join(','),
      REDIS_KEY_PREFIX: redis.prefix,
      KAFKA_TOPIC_PREFIX: topicPrefix,
      KAFKA_PARTITIONS: '2',
      JWT_SECRET,
      PORT: String(port),
      LOG_LEVEL: 'silent',
      SHUTDOWN_DRAIN_MS: '0',
      PROVIDER_HTTP_URL: sim.url,
      PROVIDER_SMTP_PRIMARY_PORT: String(sim.smtpPorts().primary),
      PROVIDER_SMTP_SECONDARY_PORT: String(sim.smtpPorts().secondary),
      PROVIDER_API_KEY: API_KEY,
      PROVIDER_TIMEOUT_MS: '2000',
      WEBHOOK_SECRET,
      RETRY_DELAYS_MS: '50,100,200',
      SCHEDULER_POLL_MS: '50',
      BREAKER_MINIMUM_CALLS: '5',
      BREAKER_OPEN_MS: '60000',
      ...env,
    };
  }

  function configFor(env: Record<string, string> = {}): Config {
    const config = loadServiceConfig(envFor(env));
    configs.push(config);
    return config;
  }

  return {
    db,
    redis,
    kafka,
    sim,
    topicPrefix,
    port,
    envFor,
    configFor,
    async start(env: Record<string, string> = {}, clock?: { now: () => Date }) {
      const config = configFor(env);
      const service = await createNotificationsService(config, clock ? { clock } : {});
      await service.start({ handleSignals: false });
      running.push(service);
      return service;
    },
    admin: () => tokenFor('ops', ['admin', 'notifications:send']),
    sender: () => tokenFor('svc', ['notifications:send']),
    /** A JSON call to the running service (the first one started). */
    call: (method: string, path: string, options: Parameters<typeof call>[3] = {}) =>
      call(running[0]?.url ?? `http://127.0.0.1:${port}`, method, path, options),
    async cleanup() {
      for (const service of running.reverse()) await service.stop();
      await sim.stop();
      const admin = kafka.kafka.admin();
      await admin.connect();
      // Every topic of this bed (lanes, DLQs, notification.requested) carries its unique prefix.
      const ours = (await admin.listTopics()).filter((topic) => topic.startsWith(topicPrefix));
      if (ours.length > 0) await admin.deleteTopics({ topics: ours }).catch(() => {});
      await admin.disconnect();
      await kafka.cleanup();
      await redis.cleanup();
      await db.drop();
    },
  };
}

export type TestBed = Awaited<ReturnType<typeof createTestBed>>;
