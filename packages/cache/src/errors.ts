// The error catalogue of @lab/cache: every error the cache throws on its own behalf is a CacheError
// whose `code` is one of CACHE_ERROR_CODES. Callers branch on the code through the guards below, not
// on `instanceof` and never on a message: a code still matches when two copies of the package are
// loaded (two versions in node_modules) or the error arrives as a plain object from a worker, where
// `instanceof` silently answers false. The classes stay for what a reader sees: a name and a stack.
// A loader's own error is not wrapped: it reaches the caller as the loader threw it.

/** Every code this package throws, with what it means. */
export const CACHE_ERROR_CODES = {
  CACHE_LOAD_TIMEOUT:
    'the loader (plus any lock wait) ran past hardTimeoutMs and nothing stale could be served',
  CACHE_CLOSED: 'the cache was used after close()',
  CACHE_INVALID_OPTIONS: 'an option, key, namespace, tag or loader result is not acceptable',
} as const;
export type CacheErrorCode = keyof typeof CACHE_ERROR_CODES;

/** The catalogue code of an Error-like value (an object with a string message), else undefined. */
function cacheCodeOf(error: unknown): CacheErrorCode | undefined {
  const { message, code } = (typeof error === 'object' && error !== null ? error : {}) as Partial<CacheError>;
  return typeof message === 'string' && typeof code === 'string' && Object.hasOwn(CACHE_ERROR_CODES, code)
    ? code
    : undefined;
}

/** Any error of this package (a code from CACHE_ERROR_CODES). */
export const isCacheError = (error: unknown): error is CacheError => cacheCodeOf(error) !== undefined;
/** The load ran past hardTimeoutMs with nothing stale to serve (CACHE_LOAD_TIMEOUT). */
export const isCacheLoadTimeout = (error: unknown): error is CacheLoadTimeoutError =>
  cacheCodeOf(error) === 'CACHE_LOAD_TIMEOUT';
/** The cache was closed (CACHE_CLOSED). */
export const isCacheClosed = (error: unknown): error is CacheClosedError =>
  cacheCodeOf(error) === 'CACHE_CLOSED';
/** A call passed something the cache refuses (CACHE_INVALID_OPTIONS). */
export const isCacheOptionsError = (error: unknown): error is CacheOptionsError =>
  cacheCodeOf(error) === 'CACHE_INVALID_OPTIONS';

export class CacheError extends Error {
  readonly code: CacheErrorCode;
  constructor(code: CacheErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The loader (plus any lock wait) ran past `hardTimeoutMs` and no stale value could be served. */
export class CacheLoadTimeoutError extends CacheError {
  readonly key: string;
  readonly timeoutMs: number;
  constructor(key: string, timeoutMs: number) {
    super('CACHE_LOAD_TIMEOUT', `loading "${key}" did not finish within ${timeoutMs} ms`);
    this.key = key;
    this.timeoutMs = timeoutMs;
  }
}

/** The cache was used after close(). */
export class CacheClosedError extends CacheError {
  constructor(name: string) {
    super('CACHE_CLOSED', `cache "${name}" is closed`);
  }
}

/** An option, namespace or tag is not acceptable; raised at the call that passed it. */
export class CacheOptionsError extends CacheError {
  constructor(message: string) {
    super('CACHE_INVALID_OPTIONS', message);
  }
}
