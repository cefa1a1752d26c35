// @lab/ratelimit: six rate-limit algorithms as atomic Redis Lua scripts, a limiter that survives a
// Redis outage (breaker, fail-open/closed, insurance, in-memory block, shadow mode), tiers,
// hierarchical limits, IETF RateLimit headers and express middleware. See README.md.
export { IP_KEY_DEFAULTS, LIMITER_DEFAULTS, MIDDLEWARE_DEFAULTS, TIERED_RULE_DEFAULTS } from './defaults.ts';
export {
  isRateLimitError,
  isRedisTimeout,
  RATELIMIT_ERROR_CODES,
  RateLimitError,
  type RateLimitErrorCode,
  type RatelimitErrorCode,
  RedisTimeoutError,
} from './errors.ts';
export { type HeaderOptions, rateLimitHeaders, setRateLimitHeaders } from './headers.ts';
export type { InsuranceOptions } from './insurance.ts';
export {
  apiKeyKey,
  claimKey,
  clientAddressKey,
  combineKeys,
  globalKey,
  ipKey,
  type KeyExtractor,
  routeKey,
  tenantKey,
  userKey,
} from './key-extractors.ts';
export {
  type BreakerSettings,
  type CheckOptions,
  createRateLimiter,
  type DecisionSource,
  type Level,
  type LevelDecision,
  type LimitResult,
  type RateLimiter,
  type RateLimiterOptions,
  unlimitedResult,
} from './limiter.ts';
export {
  type AsyncRuleChooser,
  type LevelSpec,
  type RateLimitMiddlewareOptions,
  rateLimitMiddleware,
} from './middleware.ts';
export {
  ALGORITHMS,
  type Algorithm,
  capacityOf,
  type Decision,
  type FailMode,
  LIMITS,
  type Rule,
  validateCost,
  validateKey,
  validateRule,
} from './policy.ts';
export { QUOTA_EXCEEDED_TYPE, type RateLimitProblem, refusalProblem } from './problem.ts';
export { defineScripts, type RedisClient } from './scripts.ts';
export {
  DEFAULT_TIERS,
  type RuleChooser,
  type TieredRuleOptions,
  type TierLimit,
  type TierTable,
  tieredRule,
} from './tiers.ts';
