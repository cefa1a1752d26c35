// Every default of @lab/ratelimit, one object per options type, each value with its reason. The
// option types repeat each value as JSDoc `@default` (so an editor shows it on hover) and the
// README's option table lists the same numbers. This file imports nothing but types, so any module
// of the package can read it without an import cycle.
import type { BreakerSettings } from './limiter.ts';

/** createRateLimiter's defaults (RateLimiterOptions). */
export const LIMITER_DEFAULTS = {
  /** Metric label and breaker name. */
  name: 'ratelimit',
  /** Short, so keys stay small in Redis memory; distinct from the cache's `cache:`. */
  prefix: 'rl:',
  // The time limit counts from the call to the reply being READ, so it includes this process's own
  // event-loop lag. A saturated server (the benchmark: p99 of tens of ms) times out replies Redis
  // sent in well under 1 ms; at 30 ms the breaker then opened and whole rounds failed open, turning
  // the limiter off exactly when the load was highest. 100 ms keeps that from happening; a
  // deployment that must decide within 50 ms while Redis hangs sets a lower limit and accepts that.
  timeoutMs: 100,
  // Half of the last 20 calls failing (once 5 are in) opens the breaker: a limiter is on every
  // request, so 20 calls are milliseconds of traffic and a dead Redis is detected almost at once.
  // It stays open 1 s, doubling on repeated failures up to 10 s, then 2 trial calls decide.
  breaker: {
    window: { type: 'count', size: 20 },
    minimumCalls: 5,
    failureRateThreshold: 0.5,
    openDurationMs: 1_000,
    maxOpenDurationMs: 10_000,
    halfOpenPermits: 2,
  } satisfies BreakerSettings as BreakerSettings,
  /** Milliseconds a fail-closed answer asks the client to wait when nothing better is known. */
  failClosedRetryMs: 1_000,
  /**
   * Insurance is off: while Redis is down each rule's failMode decides, which is explicit. When on,
   * `share` 1 suits one instance (use 1/N with N), and 10,000 buckets of a few numbers each bound
   * its memory while still covering the keys active during an outage.
   */
  insurance: { share: 1, maxKeys: 10_000 },
  /**
   * The block list is on: an abusive client's keys are refused without a Redis round trip. 10,000
   * entries bound its memory (a block is a key and two numbers) when many keys are refused at once.
   */
  localBlock: { maxEntries: 10_000 },
  /** Rules refuse for real; shadow mode is for trying a new limit on live traffic first. */
  shadow: false,
  /** One socket write per event-loop turn instead of one per check (see write-coalescer.ts). */
  coalesceWrites: true,
} as const;

/** rateLimitMiddleware's and the headers' defaults (RateLimitMiddlewareOptions, HeaderOptions). */
export const MIDDLEWARE_DEFAULTS = {
  /** Every request counts once unless the caller weighs it. */
  cost: 1,
  /** Handlers find the decision at `res.locals.rateLimit`. */
  localsKey: 'rateLimit',
  /** The IETF RateLimit / RateLimit-Policy fields are the current standard draft: on. */
  standardHeaders: true,
  /** The X-RateLimit-* trio is for clients written before the draft: off unless asked for. */
  legacyHeaders: false,
} as const;

/** tieredRule's defaults (TieredRuleOptions); the tier table itself is DEFAULT_TIERS in tiers.ts. */
export const TIERED_RULE_DEFAULTS = {
  /** A request without a known tier gets the smallest plan: an unknown caller never gets more. */
  defaultTier: 'free',
} as const;

/** ipKey's defaults. */
export const IP_KEY_DEFAULTS = {
  /**
   * One IPv6 client usually holds a whole /64 (RFC 6177), so counting single addresses would let it
   * rotate through 2^64 of them; the /64 prefix is the client.
   */
  ipv6Subnet: 64,
} as const;
