// Typed errors of @lab/cache. Each has a stable `code` so callers branch on it, not on messages.
export class CacheError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The loader (plus any lock wait) ran past `hardTimeoutMs` and no stale value could be served. */
export class CacheLoadTimeoutError extends CacheError {
  constructor(key: string, timeoutMs: number) {
    super('CACHE_LOAD_TIMEOUT', `loading "${key}" did not finish within ${timeoutMs} ms`);
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
