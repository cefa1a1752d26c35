// The notifications service's environment, parsed once with zod (service-kit's base variables
// plus these). Delivery timings are configurable so tests and benchmarks can shrink them.
import { baseConfigSchema, loadConfig, z } from '@lab/service-kit';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const msList = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'comma-separated milliseconds, e.g. 1000,5000,30000,300000')
  .transform((value) => value.split(',').map(Number));

export const configSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8083),
  // Every Redis key of this service starts with it (scheduler, rate-limit counters).
  REDIS_KEY_PREFIX: z.string().min(1).max(64).default('notifications:'),
  // Prepended to every Kafka topic and group this service uses, so test runs do not share them.
  KAFKA_TOPIC_PREFIX: z.string().max(64).default(''),
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(64).default(3),
  // 'priority': notify.<channel>.high|low, each drained by its own workers, so a marketing blast
  // never queues ahead of a one-time code. 'shared': one topic per channel (the baseline that
  // the benchmark compares against).
  ROUTING_MODE: z.enum(['priority', 'shared']).default('priority'),
  // Provider-sim: SMS and push over HTTP, email over SMTP (primary and secondary per channel).
  PROVIDER_HTTP_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8085'),
  PROVIDER_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  PROVIDER_SMTP_PRIMARY_PORT: z.coerce.number().int().min(1).max(65_535).default(2525),
  PROVIDER_SMTP_SECONDARY_PORT: z.coerce.number().int().min(1).max(65_535).default(2526),
  PROVIDER_API_KEY: z.string().min(16).default('provider-sim-dev-key-0123456789'),
  // One provider call's bound; a provider that hangs longer counts as a failure for its breaker.
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  // Sends per second allowed to each provider (a provider's contract limit), enforced in Redis.
  PROVIDER_RATE_PER_SECOND: z.coerce.number().int().positive().default(2_000),
  // Marketing messages one user may receive per channel per day.
  USER_MARKETING_CAP_PER_DAY: z.coerce.number().int().positive().default(10),
  // Sends in flight per worker (one worker per channel and priority).
  DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  // Delay before each retry; after the last one the message is dead-lettered (status failed).
  RETRY_DELAYS_MS: msList.default([1_000, 5_000, 30_000, 300_000]),
  // How often the scheduler looks for due items (retries, quiet-hours releases).
  SCHEDULER_POLL_MS: z.coerce.number().int().positive().default(250),
  // Circuit breaker per provider: opens at this failure rate over the last calls.
  BREAKER_FAILURE_RATE: z.coerce.number().min(0.01).max(1).default(0.5),
  BREAKER_MINIMUM_CALLS: z.coerce.number().int().min(1).default(10),
  BREAKER_OPEN_MS: z.coerce.number().int().positive().default(10_000),
  // Webhooks: the shared HMAC key and how old a signed timestamp may be (replay window).
  WEBHOOK_SECRET: z.string().min(32).default('provider-sim-webhook-secret-0123456789'),
  WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3_600).default(300),
  // Consume notification.requested from Kafka (off for a deployment that only takes HTTP).
  INTAKE_FROM_KAFKA: flag.default(true),
  EMAIL_FROM: z.email().default('notifications@lab.example'),
});

export type Config = z.infer<typeof configSchema>;

export function loadServiceConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(configSchema, env);
}
