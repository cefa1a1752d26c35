// @lab/service-kit: one call wires a service (config, logging, HTTP app, problem+json errors,
// auth, idempotency, health, graceful shutdown, metrics, tracing, Postgres/Redis/Kafka clients).
// Each piece is also exported on its own for reuse and tests. See README.md.

// The migration runner lives in @lab/migrations (libraries that own tables use it without the
// kit); services import it from the kit.
export {
  isMigrationError,
  loadMigrations,
  MIGRATION_ERROR_CODES,
  type Migration,
  MigrationError,
  type MigrationErrorCode,
  type MigrationFolder,
  type MigrationResult,
  runMigrations,
} from '@lab/migrations';
export {
  type AddContext,
  type Added,
  type AddKafkaOptions,
  type AddPostgresOptions,
  addKafka,
  addPostgres,
  addRedis,
} from './add-clients.ts';
export {
  type AuthClaims,
  AuthError,
  authOf,
  bearerToken,
  requireAuth,
  SCOPE_CLAIM,
  type SignTokenOptions,
  signDevToken,
  TIERS,
  type Tier,
  verifyToken,
} from './auth/jwt.ts';
export { forbidden, hasScope, requireScope, scopesOf } from './auth/scopes.ts';
export {
  type Admin,
  createIdempotentProducer,
  createKafkaClient,
  ensureTopics,
  type Kafka,
  type KafkaClientOptions,
  kafkaCheck,
  type Producer,
  type TopicSpec,
  type TopicWaitOptions,
  waitForTopics,
} from './clients/kafka.ts';
export { fixKafkajsIdleLoop } from './clients/kafkajs-idle-loop.ts';
export {
  createPgPool,
  inTransaction,
  type PgPool,
  type PostgresOptions,
  postgresCheck,
  type TxWork,
} from './clients/postgres.ts';
export { createRedisClient, type Redis, redisCheck } from './clients/redis.ts';
export { type BaseConfig, baseConfigSchema, ConfigError, DEV_JWT_SECRET, loadConfig, z } from './config.ts';
export {
  HTTP_APP_DEFAULTS,
  IDEMPOTENCY_DEFAULTS,
  KAFKA_CLIENT_DEFAULTS,
  PG_POOL_DEFAULTS,
  READINESS_DEFAULTS,
  REDIS_CLIENT_DEFAULTS,
  SERVICE_DEFAULTS,
} from './defaults.ts';
export {
  isAuthError,
  isConfigError,
  isHttpError,
  SERVICE_KIT_ERROR_CODES,
  type ServiceKitErrorCode,
} from './errors.ts';
export {
  type CheckResult,
  createHealth,
  type Health,
  type ReadinessCheck,
  type ReadinessReport,
  TimeoutError,
  withTimeout,
} from './health/health.ts';
export { createHttpApp, type HttpAppOptions } from './http/app.ts';
export { requestLogger } from './http/observe.ts';
export {
  HttpError,
  PROBLEM_CONTENT_TYPE,
  type Problem,
  type ProblemInit,
  problem,
  sendProblem,
  toProblem,
} from './http/problem.ts';
export { isValidRequestId, resolveRequestId } from './http/request-id.ts';
export { routeTemplateOf } from './http/route-template.ts';
export {
  IDEMPOTENCY_KEY_HEADER,
  type IdempotencyOptions,
  idempotency,
  REPLAYED_HEADER,
} from './idempotency/middleware.ts';
export { canonicalJson, requestHash } from './idempotency/request-hash.ts';
export {
  ensureIdempotencySchema,
  IDEMPOTENCY_TABLE,
  idempotencyMigrations,
  purgeExpiredIdempotencyKeys,
} from './idempotency/schema.ts';
export {
  type IdempotentWriteOptions,
  idempotentWrite,
  type TransactionalHandler,
} from './idempotency/transaction.ts';
export { createLogger, type Logger, type LoggerOptions, traceFields } from './logger.ts';
export { counter, createRegistry, gauge, histogram, Registry } from './metrics.ts';
export {
  createService,
  type Service,
  type ServiceDeps,
  type ServiceOptions,
  type Worker,
} from './service.ts';
export {
  closeServer,
  gracefulShutdown,
  type ShutdownOutcome,
  type ShutdownPlan,
  type ShutdownStep,
} from './shutdown.ts';
export { extractTraceContext, injectTraceHeaders } from './tracing/kafka-context.ts';
export {
  inServerSpan,
  type ServerSpan,
  type ServerSpanOptions,
  startServerSpan,
} from './tracing/server-span.ts';
export { startTracing, type Tracing, type TracingOptions } from './tracing/tracing.ts';
