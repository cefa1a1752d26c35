// Every default of @lab/service-kit's options, one object per options type, each value with its
// reason. The option types repeat each value as JSDoc `@default` (so an editor shows it on hover)
// and the README quotes the same numbers. Environment defaults live in baseConfigSchema
// (config.ts), where zod applies them and the README's environment table lists them.

/** createService's own options (ServiceOptions); what it passes on has its defaults below. */
export const SERVICE_DEFAULTS = {
  /** Expired idempotency records (24 h) are few per hour; hourly deletes stay small. */
  idempotencyPurgeIntervalMs: 60 * 60 * 1_000,
} as const;

/** createHttpApp's options (HttpAppOptions); createService passes BODY_LIMIT and trustProxy on. */
export const HTTP_APP_DEFAULTS = {
  /** JSON bodies of this API are small; 100 kB bounds what one request can make the parser hold. */
  bodyLimit: '100kb',
  /** Trust no proxy: X-Forwarded-For from an untrusted hop would let a client pick its own address. */
  trustProxy: false,
} as const;

/** createPgPool's options (PostgresOptions). */
export const PG_POOL_DEFAULTS = {
  /** pg's own default; size it to max_connections divided by the instances. */
  max: 10,
  /** A request waiting longer for a free connection fails with a clear error instead of queueing forever. */
  connectionTimeoutMillis: 5_000,
  /** Idle connections close after 30 s, so a quiet service gives its connections back. */
  idleTimeoutMillis: 30_000,
  /** Server-side statement timeout: a runaway query cannot pin a connection. */
  statementTimeoutMs: 10_000,
} as const;

/** createKafkaClient's options (KafkaClientOptions). */
export const KAFKA_CLIENT_DEFAULTS = {
  /** KafkaJS's 1 s is tight for a broker on a busy machine; 3 s still fails fast when it is down. */
  connectionTimeout: 3_000,
  /** An acks=all produce may wait for replicas; 10 s bounds a stuck request. */
  requestTimeout: 10_000,
} as const;

/** createRedisClient's settings (before the caller's RedisOptions are applied). */
export const REDIS_CLIENT_DEFAULTS = {
  /** One retry per command: while Redis is down a command fails within about a second, not later. */
  maxRetriesPerRequest: 1,
  /** A Redis on the same network answers a connect in milliseconds; 2 s means it is not there. */
  connectTimeout: 2_000,
  /** Reconnect backoff: 50 ms more per attempt, so a blip recovers at once... */
  reconnectStepMs: 50,
  /** ...capped at 1 s, so recovery is noticed within a second of Redis coming back. */
  reconnectMaxMs: 1_000,
} as const;

/** The readiness checks' time limits (postgresCheck, redisCheck, kafkaCheck). */
export const READINESS_DEFAULTS = {
  /** A probe answers within its own timeout; SELECT 1 on a healthy pool takes milliseconds. */
  postgresTimeoutMs: 1_000,
  /** PING on a healthy Redis is sub-millisecond. */
  redisTimeoutMs: 1_000,
  /** A metadata request goes through the controller and can take longer than a PING. */
  kafkaTimeoutMs: 1_500,
} as const;

/** The Idempotency-Key middleware's options (IdempotencyOptions). */
export const IDEMPOTENCY_DEFAULTS = {
  /** Stripe's window: long enough for any client's retries, short enough to keep the table small. */
  ttlMs: 24 * 60 * 60 * 1_000,
  /** Longer than the slowest handler; a crashed request's key is free again after a minute. */
  inFlightLeaseMs: 60_000,
  /** Opt-in: a route that must never run twice sets it; others accept requests without a key. */
  required: false,
  /** What a client needs from a replayed creation: the body's type and where the resource is. */
  replayHeaders: ['content-type', 'location'] as readonly string[],
} as const;
