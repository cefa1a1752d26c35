// The error catalogue of @lab/ratelimit. Input errors (a bad rule, key, cost or option) are a
// RateLimitError, which the rate-limiter service maps to 400; a Redis call past its time limit is a
// RedisTimeoutError, which the limiter itself catches and answers with its fallback. A denial is not
// an error: it is a LimitResult.
//
// Callers branch on `code` through the guards below, not on `instanceof`: a code still matches when
// two copies of the package are loaded or the error arrives as a plain object from a worker. The
// classes stay so a log line shows a name and a stack.

/** Every code this package throws, with what it means. */
export const RATELIMIT_ERROR_CODES = {
  INVALID_RULE:
    'a rule is malformed (name, algorithm, limit, window, burst), or two levels share a rule and key',
  INVALID_COST: 'a cost is not a positive integer',
  INVALID_KEY: 'a key is not a string of 1 to 512 characters',
  COST_EXCEEDS_LIMIT: 'a cost larger than the rule can ever admit at once',
  INVALID_OPTIONS: 'createRateLimiter options that would misbehave later (thrown at construction)',
  REDIS_TIMEOUT: 'Redis did not answer within timeoutMs (the limiter falls back; callers rarely see it)',
} as const;
export type RatelimitErrorCode = keyof typeof RATELIMIT_ERROR_CODES;
/** The codes of input errors: everything but the Redis time limit. */
export type RateLimitErrorCode = Exclude<RatelimitErrorCode, 'REDIS_TIMEOUT'>;

/** The catalogue code of an Error-like value (an object with a string message), else undefined. */
function ratelimitCodeOf(error: unknown): RatelimitErrorCode | undefined {
  const { message, code } = (
    typeof error === 'object' && error !== null ? error : {}
  ) as Partial<RateLimitError>;
  return typeof message === 'string' && typeof code === 'string' && Object.hasOwn(RATELIMIT_ERROR_CODES, code)
    ? code
    : undefined;
}

/** A rejected input (any code but REDIS_TIMEOUT), or only `code` when given. */
export function isRateLimitError(error: unknown, code?: RateLimitErrorCode): error is RateLimitError {
  const actual = ratelimitCodeOf(error);
  return actual !== undefined && actual !== 'REDIS_TIMEOUT' && (code === undefined || actual === code);
}

/** A Redis call ran past the limiter's time limit (REDIS_TIMEOUT). */
export const isRedisTimeout = (error: unknown): error is RedisTimeoutError =>
  ratelimitCodeOf(error) === 'REDIS_TIMEOUT';

/** Error with a stable `code` for callers (the service maps these to 400 problem+json). */
export class RateLimitError extends Error {
  readonly code: RateLimitErrorCode;
  constructor(code: RateLimitErrorCode, message: string) {
    super(message);
    this.name = 'RateLimitError';
    this.code = code;
  }
}

/** A Redis call got no answer within the limiter's `timeoutMs`. */
export class RedisTimeoutError extends Error {
  readonly code = 'REDIS_TIMEOUT';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`Redis did not answer within ${timeoutMs} ms`);
    this.name = 'RedisTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}
