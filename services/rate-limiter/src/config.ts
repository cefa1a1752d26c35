// The rate limiter's environment, parsed once with zod (service-kit's base variables plus these).
import { baseConfigSchema, loadConfig, z } from '@lab/service-kit';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

export const configSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8082),
  // Every Redis key of this service starts with it: counters `<prefix>rl:`, cached rules `<prefix>policy:`.
  REDIS_KEY_PREFIX: z.string().min(1).max(64).default('rate-limiter:'),
  // How long a rule, tier or tenant may be served from cache. Changes made through this service
  // are pushed to every instance at once (pub/sub); the TTL only bounds a missed invalidation.
  POLICY_CACHE_TTL_MS: z.coerce.number().int().positive().default(30_000),
  // A check waits this long for Redis before the rule's fail mode (or the insurance) decides.
  // A healthy Redis answers in well under a millisecond; 50 ms absorbs a GC pause or a busy box.
  // While Redis hangs a decision takes up to 1.25x this (the limiter's timer granularity) until
  // the breaker opens; lower it for a hard 50 ms bound, at the risk of failing open under load.
  LIMITER_TIMEOUT_MS: z.coerce.number().int().positive().default(50),
  // In-memory stand-in while Redis is down. Off by default: each rule's fail mode decides.
  LIMITER_INSURANCE: flag.default(false),
  // Replicas behind the load balancer: each one's insurance limiter grants 1/N of a rule.
  LIMITER_INSTANCES: z.coerce.number().int().positive().default(1),
  // express 'trust proxy': how many proxies in front may name the client in X-Forwarded-For. One
  // hop, the HAProxy in front (replicas listen on no public interface, so only HAProxy reaches
  // them). Trusting every private range instead would let any host on those networks, or a chain
  // of XFF entries a client wrote itself, choose the address the IP limits count. A number is hops;
  // 'true'/'false'; anything else is express's list of addresses/subnets (e.g. 'loopback').
  TRUST_PROXY: z
    .string()
    .min(1)
    .default('1')
    .transform((value): number | boolean | string =>
      /^\d+$/.test(value) ? Number(value) : value === 'true' ? true : value === 'false' ? false : value,
    ),
  // The demo endpoint's global cap (requests per second across all callers).
  DEMO_GLOBAL_PER_SECOND: z.coerce.number().int().positive().default(5_000),
});

export type Config = z.infer<typeof configSchema>;

export function loadServiceConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(configSchema, env);
}
