// The `add…` steps createService reads as (eShop's AddServiceDefaults is a list of such calls).
// Each step opens one dependency and hands back three things: the client(s), the readiness check
// that says whether it still answers, and the shutdown step(s) that close it. createService
// registers the checks and the steps; a step that fails half-way closes what it had opened
// itself, so the caller only has to undo the steps that finished.

import { type MigrationFolder, type MigrationResult, runMigrations } from '@lab/migrations';
import type { ISocketFactory } from 'kafkajs';
import {
  type Admin,
  createIdempotentProducer,
  createKafkaClient,
  ensureTopics,
  type Kafka,
  kafkaCheck,
  type Producer,
  type TopicSpec,
  waitForTopics,
} from './clients/kafka.ts';
import { createPgPool, type PgPool, postgresCheck } from './clients/postgres.ts';
import { createRedisClient, type Redis, redisCheck } from './clients/redis.ts';
import { type BaseConfig, ConfigError } from './config.ts';
import type { ReadinessCheck } from './health/health.ts';
import { idempotencyMigrations } from './idempotency/schema.ts';
import type { Logger } from './logger.ts';
import type { ShutdownStep } from './shutdown.ts';

/** What every `add…` step reads: the service's name (client names, error text), config, logger. */
export type AddContext = { name: string; config: BaseConfig; logger: Logger };

/** One opened dependency: its client(s), the readiness check, the shutdown steps (in start order). */
export type Added<T> = { client: T; check: ReadinessCheck; shutdown: ShutdownStep[] };

export type AddPostgresOptions = {
  /** The service's own `NNN_name.sql` folder, applied last. */
  migrationsDir?: string | URL;
  /** Folders libraries own (e.g. `outboxMigrations` from @lab/outbox), applied after the kit's, in order. */
  libraryMigrations?: MigrationFolder[];
  /** Pool size. @default 10 — PG_POOL_DEFAULTS.max, pg's own */
  max?: number;
};

export type AddKafkaOptions = {
  /** Topics this service owns (produces): created at start-up, ready when start() resolves. */
  topics?: TopicSpec[];
  /** Topics other services own that this one consumes: waited for (bounded), never created. */
  consumes?: string[];
  /** Bound on creating `topics`, and on waiting for `consumes`, at start-up (ms). @default 30_000 — @lab/kafka-topics' TOPIC_DEFAULTS.timeoutMs */
  topicTimeoutMs?: number;
  /** Connect an idempotent producer. @default true — false for a consume-only worker skips a connection */
  producer?: boolean;
  /** Tests route broker connections through a fault proxy. @default KafkaJS's own sockets */
  socketFactory?: ISocketFactory;
};

/** The variable's value, or a ConfigError naming the feature that needs it. */
export function requireVar(ctx: AddContext, variable: keyof BaseConfig, what: string): string {
  const value = ctx.config[variable];
  if (value === undefined)
    throw new ConfigError([`${variable}: missing — required because ${ctx.name} uses ${what}`]);
  return Array.isArray(value) ? value.join(',') : String(value);
}

/**
 * Opens the pool and applies every migration folder through the one runner: the kit's idempotency
 * table first (every service with Postgres gets the Idempotency-Key middleware), then the library
 * folders the service uses, then its own.
 */
export async function addPostgres(
  ctx: AddContext,
  options: AddPostgresOptions,
): Promise<Added<PgPool> & { migrations: MigrationResult }> {
  const pool = createPgPool({
    connectionString: requireVar(ctx, 'DATABASE_URL', 'Postgres'),
    applicationName: ctx.name,
    // Only when asked: pg's own default (10) suits a service that is not Postgres-bound.
    ...(options.max ? { max: options.max } : {}),
  });
  const shutdown: ShutdownStep = { name: 'postgres', run: () => pool.end() };
  try {
    const folders = [
      idempotencyMigrations,
      ...(options.libraryMigrations ?? []),
      // A service without tables of its own (only idempotency records) has no folder.
      ...(options.migrationsDir ? [options.migrationsDir] : []),
    ];
    const migrations = await runMigrations(pool, folders, { logger: ctx.logger });
    return { client: pool, check: postgresCheck(pool), shutdown: [shutdown], migrations };
  } catch (error) {
    await shutdown.run().catch(() => {});
    throw error;
  }
}

export function addRedis(ctx: AddContext): Added<Redis> {
  const redis = createRedisClient(requireVar(ctx, 'REDIS_URL', 'Redis'), { connectionName: ctx.name });
  return {
    client: redis,
    check: redisCheck(redis),
    // QUIT waits for replies in flight; if the connection is already broken, drop it instead.
    shutdown: [{ name: 'redis', run: () => redis.quit().catch(() => redis.disconnect()) }],
  };
}

/**
 * Connects an admin client (readiness and topics), creates the topics this service owns, waits for
 * the ones it consumes, then connects the producer. The shutdown steps come in start order, so
 * stopping in reverse flushes the producer before the admin goes.
 */
export async function addKafka(
  ctx: AddContext,
  options: AddKafkaOptions,
): Promise<Added<{ kafka: Kafka; admin: Admin; producer?: Producer }>> {
  const kafka = createKafkaClient({
    clientId: ctx.name,
    brokers: ctx.config.KAFKA_BROKERS ?? requireVar(ctx, 'KAFKA_BROKERS', 'Kafka').split(','),
    logger: ctx.logger,
    // Tests route the client through Toxiproxy with their own socket factory; services never do.
    ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
  });
  const admin = kafka.admin();
  await admin.connect();
  const shutdown: ShutdownStep[] = [{ name: 'kafka-admin', run: () => admin.disconnect() }];
  try {
    // Only a caller's own bound replaces the helpers' default wait.
    const topicWait = options.topicTimeoutMs ? { timeoutMs: options.topicTimeoutMs } : {};
    await ensureTopics(admin, options.topics ?? [], topicWait);
    await waitForTopics(admin, options.consumes ?? [], topicWait);
    // A consume-only service (a worker that never publishes) skips the producer's connection.
    if (options.producer === false) return { client: { kafka, admin }, check: kafkaCheck(admin), shutdown };
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    shutdown.push({ name: 'kafka-producer', run: () => producer.disconnect() });
    return { client: { kafka, admin, producer }, check: kafkaCheck(admin), shutdown };
  } catch (error) {
    for (const step of [...shutdown].reverse()) await step.run().catch(() => {});
    throw error;
  }
}
