// In-memory block list: once Redis has said "no" to a key, further requests for it are refused
// here until the Redis-reported retry time, with no round trip (rate-limiter-flexible's
// inMemoryBlockOnConsumed, Upstash's ephemeralCache, envoy's over-limit cache). Under an abusive
// client this removes nearly all Redis load for that key. Trade-off: another instance that learns
// of new quota (a raised limit, a reset) cannot tell this one; the block lasts at most retryAfter.

import { type Clock, preciseClock } from '@lab/resilience';
import { LIMITER_DEFAULTS } from './defaults.ts';

type Block = { until: number; cost: number };

export class LocalBlockList {
  private readonly blocks = new Map<string, Block>();
  private readonly maxEntries: number;
  private readonly clock: Clock;

  constructor({
    maxEntries = LIMITER_DEFAULTS.localBlock.maxEntries,
    clock = preciseClock,
    now,
  }: {
    /** @default 10_000 — LIMITER_DEFAULTS.localBlock.maxEntries: bounded memory */
    maxEntries?: number;
    /** The time source (the lab's one Clock type). @default preciseClock */
    clock?: Clock;
    /** @deprecated Pass `clock` ({ now() }); kept so older callers keep working. */
    now?: () => number;
  } = {}) {
    this.maxEntries = maxEntries;
    this.clock = now ? { now } : clock;
  }

  /** Remember that `cost` units for `key` cannot pass for `retryAfterMs`. */
  block(key: string, retryAfterMs: number, cost: number): void {
    if (retryAfterMs <= 0) return;
    this.blocks.delete(key); // re-insert at the end: Map order is then oldest first for eviction
    if (this.blocks.size >= this.maxEntries) {
      const oldest = this.blocks.keys().next();
      if (!oldest.done) this.blocks.delete(oldest.value);
    }
    this.blocks.set(key, { until: this.clock.now() + retryAfterMs, cost });
  }

  /**
   * Ms the key stays blocked for a request of `cost`, or 0. A cheaper request than the one that
   * was refused may fit in what is left, so it still goes to Redis.
   */
  blockedFor(key: string, cost: number): number {
    if (this.blocks.size === 0) return 0; // the usual case: skip hashing a fresh key string
    const block = this.blocks.get(key);
    if (!block) return 0;
    const left = block.until - this.clock.now();
    if (left <= 0) {
      this.blocks.delete(key);
      return 0;
    }
    return cost >= block.cost ? left : 0;
  }

  clear(): void {
    this.blocks.clear();
  }

  get size(): number {
    return this.blocks.size;
  }
}
