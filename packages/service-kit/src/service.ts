// createService: the composition root's one call (what eShop's AddServiceDefaults is to .NET).
// It turns a parsed config into a running process: logger, metrics registry, health, the
// Postgres/Redis/Kafka clients the service asks for (with migrations, topics and readiness
// checks), the HTTP app with the service's routes, its workers, and graceful shutdown.
// Everything is passed to the service's code as `deps`; nothing is a module-level singleton.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MigrationResult } from '@lab/migrations';
import type { Express, RequestHandler } from 'express';
import {
  type AddContext,
  type Added,
  type AddKafkaOptions,
  type AddPostgresOptions,
  addKafka,
  addPostgres,
  addRedis,
} from './add-clients.ts';
import { requireAuth } from './auth/jwt.ts';
import type { Admin, Kafka, Producer } from './clients/kafka.ts';
import type { PgPool } from './clients/postgres.ts';
import type { Redis } from './clients/redis.ts';
import type { BaseConfig } from './config.ts';
import { SERVICE_DEFAULTS } from './defaults.ts';
import { createHealth, type Health, type ReadinessReport } from './health/health.ts';
import { createHttpApp } from './http/app.ts';
import { type IdempotencyOptions, idempotency } from './idempotency/middleware.ts';
import { purgeExpiredIdempotencyKeys } from './idempotency/schema.ts';
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
  postgres?: boolean | AddPostgresOptions;
  redis?: boolean;
  kafka?: boolean | AddKafkaOptions;
  /**
   * Builds the service's own objects (a limiter, caches, repositories) once, from the connected
   * clients. Routes and workers both receive the result, so they share one instance of each.
   */
  setup?: (deps: ServiceDeps<C>) => Parts;
  routes?: (app: Express, deps: ServiceDeps<C>, parts: Parts) => void;
  workers?: (deps: ServiceDeps<C>, parts: Parts) => Worker[];
  /** Replace the default stdout logger (tests pass one that writes to a stream). @default pino to stdout */
  logger?: Logger;
  /** @default a new Registry with Node's process metrics — one per service, so tests do not collide */
  registry?: Registry;
  /** express `trust proxy` (see createHttpApp). @default false — HTTP_APP_DEFAULTS.trustProxy */
  trustProxy?: boolean | number | string;
  /** How often expired idempotency records are purged (ms). @default 3_600_000 (1 h) */
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

  const clients = await addClients({ name, config, logger }, options, health, steps);
  const deps = serviceDeps({ name, config, logger, registry, health, clients });
  try {
    const parts = options.setup ? options.setup(deps) : (undefined as Parts);
    const app = createHttpApp({
      logger,
      registry,
      health,
      bodyLimit: config.BODY_LIMIT,
      // Only behind a proxy the operator names; the default (false) keeps X-Forwarded-For untrusted.
      ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
      routes: (expressApp) => options.routes?.(expressApp, deps, parts),
    });
    const workers = options.workers?.(deps, parts) ?? [];
    return lifecycle({ options, deps, app, workers, clientSteps: steps, migrations: clients.migrations });
  } catch (error) {
    // The service's own set-up threw (a bad rule, a missing option): the clients are open, and
    // left so they would keep the process alive instead of letting it exit with the error.
    await undo(steps);
    throw error;
  }
}

/** Runs shutdown steps in reverse, each failure ignored: used only when start-up already failed. */
async function undo(steps: ShutdownStep[]): Promise<void> {
  for (const step of [...steps].reverse()) await step.run().catch(() => {});
}

type Clients = {
  pg?: PgPool;
  migrations?: MigrationResult;
  redis?: Redis;
  kafka?: Kafka;
  kafkaAdmin?: Admin;
  producer?: Producer;
};

/**
 * The list of `add…` steps, each for a dependency the service asked for. A start-up failure
 * (migration error, unreachable broker) must not leave half-opened clients keeping the process
 * alive: the steps that finished are undone in reverse, then the error is rethrown.
 */
async function addClients<C extends BaseConfig, Parts>(
  ctx: AddContext,
  options: ServiceOptions<C, Parts>,
  health: Health,
  steps: ShutdownStep[],
): Promise<Clients> {
  const register = <T>(added: Added<T>): T => {
    steps.push(...added.shutdown);
    health.addCheck(added.check);
    return added.client;
  };
  const clients: Clients = {};
  try {
    if (options.postgres) {
      const added = await addPostgres(ctx, options.postgres === true ? {} : options.postgres);
      clients.pg = register(added);
      clients.migrations = added.migrations;
    }
    if (options.redis) clients.redis = register(addRedis(ctx));
    if (options.kafka) {
      const { kafka, admin, producer } = register(
        await addKafka(ctx, options.kafka === true ? {} : options.kafka),
      );
      Object.assign(clients, { kafka, kafkaAdmin: admin }, producer ? { producer } : {});
    }
  } catch (error) {
    await undo(steps);
    throw error;
  }
  return clients;
}

function serviceDeps<C extends BaseConfig>(input: {
  name: string;
  config: C;
  logger: Logger;
  registry: Registry;
  health: Health;
  clients: Clients;
}): ServiceDeps<C> {
  const { name, config, clients } = input;
  const { pg, redis, kafka, kafkaAdmin, producer } = clients;
  return {
    name,
    config,
    logger: input.logger,
    registry: input.registry,
    health: input.health,
    auth: requireAuth({ secret: config.JWT_SECRET }),
    idempotency: (extra: Omit<IdempotencyOptions, 'pool'> = {}): RequestHandler => {
      // Asked for at route set-up, so a service that forgot `postgres` fails at start, not per request.
      if (!pg) throw new Error(`${name}: idempotency needs createService({ postgres: ... })`);
      return idempotency({ ...extra, pool: pg });
    },
    // Only the clients the service asked for: `deps.redis` is absent, not undefined, without Redis.
    ...(pg ? { pg } : {}),
    ...(redis ? { redis } : {}),
    ...(kafka ? { kafka } : {}),
    ...(kafkaAdmin ? { kafkaAdmin } : {}),
    ...(producer ? { producer } : {}),
  };
}

/** Purges expired idempotency records now and then every `intervalMs`; returns the stop call. */
function startIdempotencyPurge(pool: PgPool, logger: Logger, intervalMs: number): () => void {
  const purge = () =>
    purgeExpiredIdempotencyKeys(pool).catch((error: unknown) =>
      logger.warn({ err: error }, 'idempotency purge failed'),
    );
  void purge();
  const timer = setInterval(purge, intervalMs).unref();
  return () => clearInterval(timer);
}

/** start() and stop(): the order workers, purge and port come up in, and the reverse on the way down. */
function lifecycle<C extends BaseConfig, Parts>(input: {
  options: ServiceOptions<C, Parts>;
  deps: ServiceDeps<C>;
  app: Express;
  workers: Worker[];
  clientSteps: ShutdownStep[];
  migrations: MigrationResult | undefined;
}): Service<C> {
  const { options, deps, app, workers, clientSteps, migrations } = input;
  const { name, config, logger, health } = deps;
  let server: Server | undefined;
  let stopping: Promise<ShutdownOutcome> | undefined;
  let stopPurge = (): void => {};

  const stop = (): Promise<ShutdownOutcome> => {
    stopping ??= (async () => {
      stopPurge();
      const workerSteps = [...workers].reverse().map((w) => ({ name: `worker:${w.name}`, run: w.stop }));
      // Tracing is process-wide and only present when the service's entry point registered it.
      const tracing = activeTracing();
      const tracingStep = tracing ? [{ name: 'tracing', run: tracing.shutdown }] : [];
      return gracefulShutdown({
        server: server ?? (await idleServer()),
        logger,
        // Nothing to drain when the port never opened (stop before start, failed start).
        drainMs: server ? config.SHUTDOWN_DRAIN_MS : 0,
        timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
        markNotReady: () => health.setDraining(true),
        steps: [...workerSteps, ...[...clientSteps].reverse(), ...tracingStep],
      });
    })();
    return stopping;
  };

  // Workers first, so a consumer or relay is running before the server takes traffic; then the
  // idempotency purge; then the port. Any failure is turned into a full stop by start().
  const startWorkersAndListen = async (): Promise<void> => {
    await startAllWorkers(workers, logger);
    // Only a service with Postgres holds idempotency records.
    if (deps.pg)
      stopPurge = startIdempotencyPurge(
        deps.pg,
        logger,
        options.idempotencyPurgeIntervalMs ?? SERVICE_DEFAULTS.idempotencyPurgeIntervalMs,
      );
    server = await listen(app, config.PORT, config.HOST);
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
      // Tests and embedding callers own their process's signals; a service's main() lets the kit.
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

function listen(app: Express, port: number, host: string | undefined): Promise<Server> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => (error ? reject(error) : resolve(server));
    const server = host === undefined ? app.listen(port, done) : app.listen(port, host, done);
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

/**
 * Starts every worker at once and waits for all of them to settle. Workers are independent, and a
 * Kafka consumer's start is mostly waiting: joining a group that already has members takes up to a
 * heartbeat interval (3 s) while the other members rejoin. One after another, notifications' seven
 * consumers took ~20 s to start, and a rolling restart paid that per replica; together they take
 * one join. Settling all before rethrowing the first failure means the stop that follows a failed
 * start never races a worker that is still starting.
 */
async function startAllWorkers(workers: Worker[], logger: Logger): Promise<void> {
  const outcomes = await Promise.allSettled(
    workers.map(async (worker) => {
      await worker.start();
      logger.info({ worker: worker.name }, 'worker started');
    }),
  );
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}
