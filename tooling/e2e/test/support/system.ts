// The four services as one system, started the way the lab starts them: each service's own
// main.ts in a child process, with tracing on (`--import @lab/service-kit/tracing`), on a free
// loopback port. Nothing is shared with another run: each service gets a fresh database, its own
// Redis key prefix, and all of them one Kafka topic prefix (so the URL shortener and the feed
// publish `notification.requested` on the topic this run's notifications service consumes).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { DEV_JWT_SECRET, signDevToken } from '@lab/service-kit';
import {
  createTestDatabase,
  createTestRedis,
  freePort,
  type TestDatabase,
  uniqueName,
  waitUntil,
} from '@lab/testkit';

const ROOT = new URL('../../../../', import.meta.url);
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

type ServiceName = 'provider-sim' | 'notifications' | 'url-shortener' | 'feed';

export type RunningService = { name: ServiceName; base: string; db?: TestDatabase };

export type System = {
  providerSim: RunningService;
  notifications: RunningService & { db: TestDatabase };
  urlShortener: RunningService & { db: TestDatabase };
  feed: RunningService & { db: TestDatabase };
  /** A bearer token for `sub` with the given scopes, valid at every service of this run. */
  token(sub: string, scope?: string): Promise<string>;
  stop(): Promise<void>;
};

/** Starts every service of the system and waits until each one answers /health/ready. */
export async function startSystem(label: string): Promise<System> {
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const topicPrefix = `${uniqueName(label)}.`;
  const jwtSecret = process.env.JWT_SECRET ?? DEV_JWT_SECRET;

  const start = async (name: ServiceName, env: Record<string, string>, withState: boolean) => {
    const port = await freePort();
    let db: TestDatabase | undefined;
    const state: Record<string, string> = {};
    if (withState) {
      db = await createTestDatabase(`e2e_${name.replace('-', '_')}`);
      const redis = await createTestRedis(`e2e-${name}`);
      cleanups.push(
        () => redis.cleanup(),
        () => (db as TestDatabase).drop(),
      );
      Object.assign(state, { DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix });
    }
    const child = spawn(
      process.execPath,
      ['--import', '@lab/service-kit/tracing', `services/${name}/src/main.ts`],
      {
        cwd: ROOT.pathname,
        env: {
          ...process.env,
          ...state,
          PORT: String(port),
          SERVICE_NAME: name,
          JWT_SECRET: jwtSecret,
          KAFKA_BROKERS,
          LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'error',
          ...env,
        },
        // Service logs go to this test's stderr, so a failure shows what the services said.
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    await waitUntil(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`${name} exited with ${child.exitCode} before it was ready`);
        const res = await fetch(`${base}/health/ready`).catch(() => undefined);
        return res?.status === 200;
      },
      { timeoutMs: 90_000, intervalMs: 200, message: `${name} is ready` },
    );
    return { name, base, db };
  };

  const stop = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };

  try {
    const [smtpPrimary, smtpSecondary] = [await freePort(), await freePort()];
    const providerSim = await start(
      'provider-sim',
      { SMTP_PRIMARY_PORT: String(smtpPrimary), SMTP_SECONDARY_PORT: String(smtpSecondary) },
      false,
    );
    const kafkaPrefix = { KAFKA_TOPIC_PREFIX: topicPrefix };
    const [notifications, urlShortener, feed] = await Promise.all([
      start(
        'notifications',
        {
          ...kafkaPrefix,
          KAFKA_PARTITIONS: '1',
          PROVIDER_HTTP_URL: providerSim.base,
          PROVIDER_SMTP_HOST: '127.0.0.1',
          PROVIDER_SMTP_PRIMARY_PORT: String(smtpPrimary),
          PROVIDER_SMTP_SECONDARY_PORT: String(smtpSecondary),
        },
        true,
      ),
      start(
        'url-shortener',
        { ...kafkaPrefix, PUBLIC_BASE_URL: 'http://127.0.0.1:8081', CLICK_FLUSH_MS: '50' },
        true,
      ),
      // The feed names its topics one by one instead of taking a prefix.
      start(
        'feed',
        {
          TOPIC_POST_CREATED: `${topicPrefix}post.created`,
          TOPIC_POST_DELETED: `${topicPrefix}post.deleted`,
          TOPIC_NOTIFICATION_REQUESTED: `${topicPrefix}notification.requested`,
          FANOUT_GROUP: `${topicPrefix}feed-fanout`,
          OUTBOX_POLL_MS: '50',
        },
        true,
      ),
    ]);
    return {
      providerSim,
      notifications: notifications as System['notifications'],
      urlShortener: urlShortener as System['urlShortener'],
      feed: feed as System['feed'],
      token: (sub, scope) =>
        signDevToken({ sub, tenant: 'e2e', tier: 'pro', secret: jwtSecret, ...(scope ? { scope } : {}) }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
