// createCache options: their types, defaults and validation, in one place. The README's option
// table mirrors DEFAULTS; each default's reason is written next to it.
import type { CircuitBreaker } from '@lab/resilience';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { CacheOptionsError } from './errors.ts';
import { jsonSerializer, type Serializer } from './serializer.ts';

export type CacheOptions = {
  /** Names the cache in metrics and the default key prefix. */
  name: string;
  /** L2. Without it the cache is L1-only (single process; invalidation stays local). */
  redis?: Redis;
  /** Pub/sub connection for invalidations; default `redis.duplicate()` (closed by close()). */
  subscriber?: Redis;
  /** @default `cache:<name>:` — one cache's keys never collide with another's. */
  keyPrefix?: string;
  /**
   * In-process LRU, bounded by entries; `false` turns L1 off. `ttlMs` bounds how long an L1 copy
   * can outlive a lost invalidation message (default: the entry's own TTL).
   * @default { maxEntries: 10_000 } — DEFAULTS.l1MaxEntries: a hot set of ~10 MB per process.
   */
  l1?: { maxEntries?: number; ttlMs?: number } | false;
  /** @default 60_000 — DEFAULTS.ttlMs: one minute bounds staleness when an invalidation is missed. */
  ttlMs?: number;
  /** @default 0.1 — DEFAULTS.ttlJitter: keys written together expire over 10 % of the TTL. */
  ttlJitter?: number;
  /** @default 5_000 — DEFAULTS.negativeTtlMs: absorbs id scans; a new record shows within seconds. */
  negativeTtlMs?: number;
  /** @default 0 (off) — DEFAULTS.graceMs: serving stale is a product decision the caller makes. */
  graceMs?: number;
  /** @default 5_000 — DEFAULTS.graceBackoffMs: one retry per key every few seconds, not per request. */
  graceBackoffMs?: number;
  /** @default 100 — DEFAULTS.softTimeoutMs: with a stale copy at hand, a slower load finishes behind. */
  softTimeoutMs?: number;
  /** @default 5_000 — DEFAULTS.hardTimeoutMs: below HTTP client timeouts, well above a healthy load. */
  hardTimeoutMs?: number;
  /** XFetch early refresh; `false` turns it off. @default { beta: 1 } — the paper's optimum. */
  earlyRefresh?: { beta?: number } | false;
  /**
   * The Redis load lock. `ttlMs` defaults to `hardTimeoutMs` (it never expires under a live loader).
   * @default { waitMs: 1_000 } — DEFAULTS.lockWaitMs: a crashed holder delays others by at most 1 s.
   */
  lock?: { ttlMs?: number; waitMs?: number };
  /** @default jsonSerializer — data only: nothing read from Redis can build classes or run code. */
  serializer?: Serializer;
  /** @default prom-client's global registry — tests and benchmarks pass their own. */
  registry?: Registry;
  /** Guards every Redis call. @default a breaker with the settings in DEFAULTS.breaker. */
  breaker?: CircuitBreaker;
};

export const DEFAULTS = {
  // A working set of 10k hot keys at ~1 KB each is ~10 MB per process: bounded, and a hot set
  // (the top links, the latest posts) fits. Raise it when the hit ratio says so.
  l1MaxEntries: 10_000,
  // Seconds-to-minutes is the usual range for application caches; one minute bounds staleness
  // when an invalidation is missed, and invalidation on write handles the rest.
  ttlMs: 60_000,
  // Spreads the expiry of keys written together over 10 % of the TTL (no avalanche).
  ttlJitter: 0.1,
  // "Cache 'not found' briefly": long enough to absorb a bot scanning ids, short enough that a
  // record created right after a miss shows up within seconds.
  negativeTtlMs: 5_000,
  // Serving stale data is a product decision, so stale-if-error is off until a caller says how
  // stale is acceptable (e.g. 300_000 for link targets).
  graceMs: 0,
  // After a failed load served stale, serve the stale copy for this long before trying the source
  // again, so a dead database sees one retry per key every few seconds, not one per request.
  graceBackoffMs: 5_000,
  // With a stale copy at hand, wait this long for a fresh one before serving the stale copy; most
  // database reads finish in 10-100 ms, so a slower load is better finished in the background.
  softTimeoutMs: 100,
  // Bounds the wait on a load (lock wait included) when nothing stale can be served; below
  // typical HTTP client timeouts, well above a healthy load.
  hardTimeoutMs: 5_000,
  // β = 1 is the XFetch paper's optimum for most workloads.
  earlyRefreshBeta: 1,
  // The lock outlives the longest load we wait for (the hard timeout), so it never expires under
  // a live loader; a crashed holder blocks others only until waitMs.
  lockWaitMs: 1_000,
  // Fail fast on a sick Redis: half the last 20 calls failing (after 5) opens for 2 s; a call
  // longer than 200 ms counts as failed (a healthy Redis answers in well under a millisecond).
  breaker: {
    window: { type: 'count', size: 20 },
    minimumCalls: 5,
    failureRateThreshold: 0.5,
    openDurationMs: 2_000,
    halfOpenPermits: 1,
    callTimeoutMs: 200,
  },
} as const;

export type ResolvedOptions = {
  name: string;
  keyPrefix: string;
  l1: { maxEntries: number; ttlMs: number | undefined } | undefined;
  ttlMs: number;
  ttlJitter: number;
  negativeTtlMs: number;
  graceMs: number;
  graceBackoffMs: number;
  softTimeoutMs: number;
  hardTimeoutMs: number;
  earlyRefreshBeta: number | undefined;
  lockTtlMs: number;
  lockWaitMs: number;
  /** How long a fence outlives its invalidation = the oldest fence reading a load may write with. */
  fenceMs: number;
  serializer: Serializer;
};

export function resolveOptions(options: CacheOptions): ResolvedOptions {
  if (!options.name) throw new CacheOptionsError('name is required');
  const hardTimeoutMs = options.hardTimeoutMs ?? DEFAULTS.hardTimeoutMs;
  const resolved: ResolvedOptions = {
    name: options.name,
    keyPrefix: options.keyPrefix ?? `cache:${options.name}:`,
    l1:
      options.l1 === false
        ? undefined
        : { maxEntries: options.l1?.maxEntries ?? DEFAULTS.l1MaxEntries, ttlMs: options.l1?.ttlMs },
    ttlMs: options.ttlMs ?? DEFAULTS.ttlMs,
    ttlJitter: options.ttlJitter ?? DEFAULTS.ttlJitter,
    negativeTtlMs: options.negativeTtlMs ?? DEFAULTS.negativeTtlMs,
    graceMs: options.graceMs ?? DEFAULTS.graceMs,
    graceBackoffMs: options.graceBackoffMs ?? DEFAULTS.graceBackoffMs,
    softTimeoutMs: options.softTimeoutMs ?? DEFAULTS.softTimeoutMs,
    hardTimeoutMs,
    earlyRefreshBeta:
      options.earlyRefresh === false ? undefined : (options.earlyRefresh?.beta ?? DEFAULTS.earlyRefreshBeta),
    lockTtlMs: options.lock?.ttlMs ?? hardTimeoutMs,
    lockWaitMs: options.lock?.waitMs ?? DEFAULTS.lockWaitMs,
    fenceMs: fenceMsFor(hardTimeoutMs, options.lock?.waitMs ?? DEFAULTS.lockWaitMs),
    serializer: options.serializer ?? jsonSerializer,
  };
  validate(resolved);
  return resolved;
}

/**
 * A load writes at most lockWait + hardTimeout after it read its fences (past the hard timeout it
 * does not write at all), so fences live twice that: an invalidation's fence is still there when
 * any load that could have read the source before it tries to write. One small key per
 * invalidated key, for ~12 s with the defaults.
 */
function fenceMsFor(hardTimeoutMs: number, lockWaitMs: number): number {
  return 2 * (hardTimeoutMs + lockWaitMs);
}

function validate(o: ResolvedOptions): void {
  const check = (values: Record<string, number>, ok: (value: number) => boolean, rule: string) => {
    for (const [name, value] of Object.entries(values)) {
      if (!ok(value) || !Number.isFinite(value))
        throw new CacheOptionsError(`${name} must be a finite number ${rule}`);
    }
  };
  const {
    ttlMs,
    negativeTtlMs,
    hardTimeoutMs,
    lockTtlMs,
    graceMs,
    graceBackoffMs,
    softTimeoutMs,
    lockWaitMs,
  } = o;
  check({ ttlMs, negativeTtlMs, hardTimeoutMs, lockTtlMs }, (value) => value > 0, '> 0');
  check({ graceMs, graceBackoffMs, softTimeoutMs, lockWaitMs }, (value) => value >= 0, '>= 0');
  if (!(o.ttlJitter >= 0 && o.ttlJitter < 1)) throw new CacheOptionsError('ttlJitter must be in [0, 1)');
  if (o.l1 && !(Number.isInteger(o.l1.maxEntries) && o.l1.maxEntries > 0)) {
    throw new CacheOptionsError('l1.maxEntries must be an integer > 0');
  }
  if (o.l1?.ttlMs !== undefined && !(o.l1.ttlMs > 0)) throw new CacheOptionsError('l1.ttlMs must be > 0');
  if (o.earlyRefreshBeta !== undefined && !(o.earlyRefreshBeta > 0)) {
    throw new CacheOptionsError('earlyRefresh.beta must be > 0');
  }
}
