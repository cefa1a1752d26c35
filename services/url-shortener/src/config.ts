// The URL shortener's environment, parsed once with zod (service-kit's base variables plus these).

import { baseConfigSchema, loadConfig, z } from '@lab/service-kit';

export const configSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8081),
  // shortUrl = PUBLIC_BASE_URL + '/' + code; links to this host are refused (no self-links).
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .default('http://localhost:8081')
    .transform((url) => url.replace(/\/+$/, '')),
  // Every Redis key of this service starts with it: cached links `<prefix>links:`, rate-limit
  // counters `<prefix>rl:`, unique-visitor HyperLogLogs `<prefix>uv:`.
  REDIS_KEY_PREFIX: z.string().min(1).max(64).default('url-shortener:'),
  // Prepended to every Kafka topic and consumer group this service uses (tests isolate with it).
  KAFKA_TOPIC_PREFIX: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9._-]*$/)
    .default(''),
  CODE_GENERATOR: z.enum(['range', 'snowflake', 'hash']).default('range'),
  // Key of the Feistel permutation (and of the hash generator's salt). Keep it stable and secret:
  // with it, codes can be mapped back to creation order.
  CODE_KEY: z.string().min(16).default('dev-only-code-key-change-me'),
  // Key of the visitor hash (unique visitors without storing addresses).
  VISITOR_KEY: z.string().min(16).default('dev-only-visitor-key-change-me'),
  SNOWFLAKE_WORKER_ID: z.coerce.number().int().min(0).max(1023).default(0),
  // How long a link may be served from cache. Deletes are pushed to every instance at once
  // (pub/sub); the TTL bounds a missed invalidation.
  LINK_CACHE_TTL_MS: z.coerce.number().int().positive().default(300_000),
  // How long "no such code" is remembered: absorbs scanners without hiding a new alias for long
  // (creating a link also drops its negative entry everywhere).
  LINK_NEGATIVE_TTL_MS: z.coerce.number().int().positive().default(5_000),
  LINK_L1_MAX_ENTRIES: z.coerce.number().int().positive().default(100_000),
  // Clicks: summed in memory per link and day, the sums sent every CLICK_FLUSH_MS (a longer window
  // sums more clicks into each rollup: less CPU per click, later stats). While Kafka is away the
  // window holds at most CLICK_MAX_LINKS links and CLICK_MAX_VISITORS distinct visitors; a click
  // beyond either is dropped and counted.
  CLICK_FLUSH_MS: z.coerce.number().int().positive().max(60_000).default(1_000),
  CLICK_MAX_LINKS: z.coerce.number().int().positive().max(1_000_000).default(10_000),
  CLICK_MAX_VISITORS: z.coerce.number().int().positive().max(10_000_000).default(100_000),
  CLICK_SEND_TIMEOUT_MS: z.coerce.number().int().positive().default(2_000),
  // Redirects skip express's router (src/http/fast-path.ts); false serves them through express.
  REDIRECT_FAST_PATH: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  // The links cache's in-process layer; false = every redirect reads Redis (benchmark's L2 row).
  LINK_CACHE_L1: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  // Run the click aggregator (url.clicked consumer) in this process. Off = redirect-only
  // instances, with the aggregator scaled separately (the benchmark measures redirects so).
  CLICK_AGGREGATOR: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  // Redirect access log: every Nth successful redirect is logged (errors always are). 1 = all.
  REDIRECT_LOG_SAMPLE: z.coerce.number().int().min(0).default(100),
  // Which redirects get a trace (src/http/redirect-tracing.ts): one that arrives with a
  // traceparent always (its caller decided); of the rest, the first REDIRECT_TRACES_PER_SECOND
  // each second, then one in 1/REDIRECT_TRACE_RATIO. A lab user's own clicks are all traced; a load
  // test's are sampled instead of paying a span per redirect.
  REDIRECT_TRACES_PER_SECOND: z.coerce.number().int().min(0).max(10_000).default(5),
  REDIRECT_TRACE_RATIO: z.coerce.number().min(0).max(1).default(0.01),
  // express 'trust proxy': only HAProxy on a private network may set X-Forwarded-For.
  TRUST_PROXY: z.string().min(1).default('loopback, linklocal, uniquelocal'),
});

export type Config = z.infer<typeof configSchema>;

export function loadServiceConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(configSchema, env);
}
