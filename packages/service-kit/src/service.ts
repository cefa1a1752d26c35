// createService: the composition root's one call (what eShop's AddServiceDefaults is to .NET).
// It turns a parsed config into a running process: logger, metrics registry, health, the
// Postgres/Redis/Kafka clients the service asks for (with migrations, topics and readiness
// checks), the HTTP app with the service's routes, its workers, and graceful shutdown.
// Everything is passed to the service's code as `deps`; nothing is a module-level singleton.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, RequestHandler } from 'express';
import type { ISocketFactory } from 'kafkajs';
import { requireAuth } from './auth/jwt.ts';
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
import { type MigrationResult, runMigrations } from './clients/migrations.ts';
import { createPgPool, type PgPool, postgresCheck } from './clients/postgres.ts';
import { createRedisClient, type Redis, redisCheck } from './clients/redis.ts';
import { type BaseConfig, ConfigError } from './config.ts';
import { createHealth, type Health, type ReadinessReport } from './health/health.ts';
import { createHttpApp } from './http/app.ts';
import { type IdempotencyOptions, idempotency } from './idempotency/middleware.ts';
import { ensureIdempotencySchema, purgeExpiredIdempotencyKeys } from './idempotency/schema.ts';
import { createLogger, type Logger } from './logger.ts';
import { createRegistry, type Registry } from './metrics.ts';
import { gracefulShutdown, type ShutdownOutcome, type ShutdownStep } from './shutdown.ts';
import { activeTracing } from './tracing/active.ts';

export type Worker = { name: string; start: () => Promise<void>; stop: () => Promise<void> };

export type ServiceDeps<C extends BaseConfig = BaseConfig> = {
  name: string;
  config: C;
  logger: Logger;
  registry: Registry;
  health: Health;
  pg?: PgPool;
  redis?: Redis;
  kafka?: Kafka;
  /** Idempotent producer (acks=all), connected. */
  producer?: Producer;
  /** Connected admin client (also used by the readiness check). */
  kafkaAdmin?: Admin;
  /** Bearer-JWT middleware bound to JWT_SECRET; sets `res.locals.auth`. */
  auth: RequestHandler;
  /** Idempotency-Key middleware on this service's Postgres (throws if postgres is not enabled). */
  idempotency: (options?: Omit<IdempotencyOptions, 'pool'>) => RequestHandler;
};

export type ServiceOptions<C extends BaseConfig, Parts = undefined> = {
  name: string;
  config: C;
  postgres?: boolean | { migrationsDir?: string | URL; max?: number };
  redis?: boolean;
  kafka?:
    | boolean
    | {
        /** Topics this service owns (produces): created at start-up, ready when start() resolves. */
        topics?: TopicSpec[];
        /** Topics other services own that this one consumes: waited for (bounded), never created. */
        consumes?: string[];
        /** Bound on creating `topics`, and on waiting for `consumes`, at start-up. @default 30000 */
        topicTimeoutMs?: number;
        producer?: boolean;
        socketFactory?: ISocketFactory;
      };
  /**
   * Builds the service's own objects (a limiter, caches, repositories) once, from the connected
   * clients. Routes and workers both receive the result, so they share one instance of each.
   */
  setup?: (deps: ServiceDeps<C>) => Parts;
  routes?: (app: Express, deps: ServiceDeps<C>, parts: Parts) => void;
  workers?: (deps: ServiceDeps<C>, parts: Parts) => Worker[];
  /** Replace the default stdout logger (tests pass one that writes to a stream). */
  logger?: Logger;
  registry?: Registry;
  /** express `trust proxy` (see createHttpApp); default false. */
  trustProxy?: boolean | number | string;
  /** How often expired idempotency records are purged; default 1 h. */
  idempotencyPurgeIntervalMs?: number;
};

export type Service<C extends BaseConfig = BaseConfig> = {
  app: Express;
  deps: ServiceDeps<C>;
  migrations?: MigrationResult;
  /** Starts workers, listens on PORT; with `handleSignals` (default) SIGTERM/SIGINT stop and exit. */
  start: (options?: { handleSignals?: boolean }) => Promise<void>;
  /** The graceful shutdown sequence; idempotent (a second call returns the same outcome). */
  stop: () => Promise<ShutdownOutcome>;
  /** `http://127.0.0.1:<port>` once started. */
  readonly url: string;
  readonly server: Server | undefined;
  /** Listening and not draining (dependency checks are in `readiness()`). */
  readonly ready: boolean;
  readiness: () => Promise<ReadinessReport>;
};

export async function createService<C extends BaseConfig, Parts = undefined>(
  options: ServiceOptions<C, Parts>,
): Promise<Service<C>> {
  const { name, config } = options;
  const logger =
    options.logger ?? createLogger({ name: config.SERVICE_NAME ?? name, level: config.LOG_LEVEL });
  const registry = options.registry ?? createRegistry();
  const health = createHealth();
  const steps: ShutdownStep[] = [];
  const requireVar = (variable: keyof BaseConfig, what: string): string => {
    const value = config[variable];
    if (value === undefined)
      throw new ConfigError([`${variable}: missing — required because ${name} uses ${what}`]);
    return Array.isArray(value) ? value.join(',') : String(value);
  };

  let pool: PgPool | undefined;
  let migrations: MigrationResult | undefined;
  let redis: Redis | undefined;
  let kafka: Kafka | undefined;
  let kafkaAdmin: Admin | undefined;
  let producer: Producer | undefined;
  // A start-up failure (migration error, unreachable broker) must not leave half-opened clients
  // keeping the process alive: close whatever was opened, then rethrow.
  try {
    if (options.postgres) {
      const pgOptions = options.postgres === true ? {} : options.postgres;
      pool = createPgPool({
        connectionString: requireVar('DATABASE_URL', 'Postgres'),
        applicationName: name,
        ...(pgOptions.max ? { max: pgOptions.max } : {}),
      });
      const ownedPool = pool;
      steps.push({ name: 'postgres', run: () => ownedPool.end() });
      if (pgOptions.migrationsDir)
        migrations = await runMigrations(pool, pgOptions.migrationsDir, { logger });
      await ensureIdempotencySchema(pool);
      health.addCheck(postgresCheck(pool));
    }

    if (options.redis) {
      redis = createRedisClient(requireVar('REDIS_URL', 'Redis'), { connectionName: name });
      const ownedRedis = redis;
      steps.push({ name: 'redis', run: () => ownedRedis.quit().catch(() => ownedRedis.disconnect()) });
      health.addCheck(redisCheck(redis));
    }

    if (options.kafka) {
      const kafkaOptions = options.kafka === true ? {} : options.kafka;
      kafka = createKafkaClient({
        clientId: name,
        brokers: config.KAFKA_BROKERS ?? requireVar('KAFKA_BROKERS', 'Kafka').split(','),
        logger,
        ...(kafkaOptions.socketFactory ? { socketFactory: kafkaOptions.socketFactory } : {}),
      });
      const admin = kafka.admin();
      kafkaAdmin = admin;
      await admin.connect();
      // Registered before the producer so that, stopping in reverse, the producer flushes first.
      steps.push({ name: 'kafka-admin', run: () => admin.disconnect() });
      const topicWait = kafkaOptions.topicTimeoutMs ? { timeoutMs: kafkaOptions.topicTimeoutMs } : {};
      await ensureTopics(admin, kafkaOptions.topics ?? [], topicWait);
      await waitForTopics(admin, kafkaOptions.consumes ?? [], topicWait);
      if (kafkaOptions.producer !== false) {
        const ownedProducer = createIdempotentProducer(kafka);
        producer = ownedProducer;
        await ownedProducer.connect();
        steps.push({ name: 'kafka-producer', run: () => ownedProducer.disconnect() });
      }
      health.addCheck(kafkaCheck(admin));
    }
  } catch (error) {
    for (const step of [...steps].reverse()) await step.run().catch(() => {});
    throw error;
  }

  const idempotencyFor = (extra: Omit<IdempotencyOptions, 'pool'> = {}): RequestHandler => {
    if (!pool) throw new Error(`${name}: idempotency needs createService({ postgres: ... })`);
    return idempotency({ ...extra, pool });
  };
  const deps: ServiceDeps<C> = {
    name,
    config,
    logger,
    registry,
    health,
    auth: requireAuth({ secret: config.JWT_SECRET }),
    idempotency: idempotencyFor,
    ...(pool ? { pg: pool } : {}),
    ...(redis ? { redis } : {}),
    ...(kafka ? { kafka } : {}),
    ...(kafkaAdmin ? { kafkaAdmin } : {}),
    ...(producer ? { producer } : {}),
  };

  const parts = options.setup ? options.setup(deps) : (undefined as Parts);
  const app = createHttpApp({
    logger,
    registry,
    health,
    bodyLimit: config.BODY_LIMIT,
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    routes: (expressApp) => options.routes?.(expressApp, deps, parts),
  });
  const workers = options.workers?.(deps, parts) ?? [];

  let server: Server | undefined;
  let stopping: Promise<ShutdownOutcome> | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;

  const stop = (): Promise<ShutdownOutcome> => {
    stopping ??= (async () => {
      clearInterval(purgeTimer);
      const workerSteps = [...workers].reverse().map((w) => ({ name: `worker:${w.name}`, run: w.stop }));
      const clientSteps = [...steps].reverse();
      const tracing = activeTracing();
      const tracingStep = tracing ? [{ name: 'tracing', run: tracing.shutdown }] : [];
      const outcome = await gracefulShutdown({
        server: server ?? (await idleServer()),
        logger,
        drainMs: server ? config.SHUTDOWN_DRAIN_MS : 0,
        timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
        markNotReady: () => health.setDraining(true),
        steps: [...workerSteps, ...clientSteps, ...tracingStep],
      });
      return outcome;
    })();
    return stopping;
  };

  // Workers first, so a consumer or relay is running before the server takes traffic; then the
  // idempotency purge; then the port. Any failure is turned into a full stop by start().
  const startWorkersAndListen = async (): Promise<void> => {
    for (const worker of workers) {
      await worker.start();
      logger.info({ worker: worker.name }, 'worker started');
    }
    if (pool) {
      const purgePool = pool;
      const purge = () =>
        purgeExpiredIdempotencyKeys(purgePool).catch((error: unknown) =>
          logger.warn({ err: error }, 'idempotency purge failed'),
        );
      void purge();
      purgeTimer = setInterval(purge, options.idempotencyPurgeIntervalMs ?? 60 * 60 * 1000).unref();
    }
    server = await listen(app, config.PORT);
    logger.info({ url: service.url }, `${name} listening`);
  };

  const service: Service<C> = {
    app,
    deps,
    ...(migrations ? { migrations } : {}),
    async start({ handleSignals = true } = {}) {
      try {
        await startWorkersAndListen();
      } catch (error) {
        // A worker that cannot start or a port already in use must not leave the others running
        // and the pools open: the process would hang instead of exiting with the error.
        logger.error({ err: error }, `${name} failed to start; shutting down what was started`);
        await stop();
        throw error;
      }
      if (handleSignals) installSignalHandlers(stop, logger);
    },
    stop,
    get url() {
      const address = server?.address() as AddressInfo | null | undefined;
      if (!address) throw new Error(`${name} is not listening; call start() first`);
      return `http://127.0.0.1:${address.port}`;
    },
    get server() {
      return server;
    },
    get ready() {
      return Boolean(server?.listening) && !health.draining;
    },
    readiness: () => health.readiness(),
  };
  return service;
}

function listen(app: Express, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

/** A never-listening server, so stop() before start() still closes the clients. */
async function idleServer(): Promise<Server> {
  const { createServer } = await import('node:http');
  return createServer();
}

function installSignalHandlers(stop: () => Promise<ShutdownOutcome>, logger: Logger): void {
  let received = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      // A second signal (Ctrl-C twice) means "now": skip the rest of the graceful sequence.
      logger.warn({ signal }, 'second signal, exiting immediately');
      process.exit(1);
    }
    received = true;
    logger.info({ signal }, 'signal received');
    void stop().then((outcome) => process.exit(outcome.ok ? 0 : 1));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
