// Bulkhead: at most `maxConcurrent` calls run at once; up to `maxQueue` more wait in line (FIFO);
// anything beyond is rejected at once with BulkheadRejectedError. One bulkhead per dependency means
// a slow dependency can tie up only its own slots, not every request the service is serving: the
// Node.js form of "a thread pool per dependency".
// A bounded queue absorbs short bursts; an unbounded one turns overload into memory growth and
// latency. A queued call also gives up when its caller's signal aborts or after `queueTimeoutMs`.
// When a call finishes, its slot passes straight to the next waiter, so a newcomer cannot overtake
// the queue.

import { scrapedCounter, scrapedGauge, type Tally } from '@lab/metrics';
import { type Registry, register } from 'prom-client';
import { BulkheadRejectedError } from './errors.ts';
import { NEVER_ABORTED, type Operation } from './timeout.ts';

export type BulkheadOptions = {
  /** Names the bulkhead in metrics and errors. Required. */
  name: string;
  /**
   * Calls that may run at once.
   * @default 10
   */
  maxConcurrent?: number;
  /**
   * Calls that may wait for a slot (FIFO); beyond that a call is rejected at once.
   * @default 10
   */
  maxQueue?: number;
  /**
   * Longest wait in the queue before the call is rejected.
   * @default undefined (none: the caller's signal bounds the wait)
   */
  queueTimeoutMs?: number;
  /** @default prom-client's global register */
  registry?: Registry;
};

export const BULKHEAD_DEFAULTS = {
  // A per-dependency cap far below what the process can hold, so one slow dependency cannot take
  // every request with it.
  maxConcurrent: 10,
  // A short queue absorbs bursts; a long one only turns overload into latency and memory.
  maxQueue: 10,
} as const;

export type BulkheadSnapshot = {
  name: string;
  active: number;
  queued: number;
  maxConcurrent: number;
  maxQueue: number;
  rejected: number;
};

export type Bulkhead = {
  readonly name: string;
  execute<T>(operation: Operation<T>, options?: { signal?: AbortSignal }): Promise<T>;
  snapshot(): BulkheadSnapshot;
};

type Waiter = { resolve(): void; settled: boolean; cleanup(): void };

/**
 * bulkhead_active and bulkhead_queued are read from the bulkhead at scrape time; rejections are a
 * tally added at scrape time (@lab/metrics), so a call never touches prom-client.
 */
function bulkheadMetrics(
  registry: Registry,
  bulkhead: BulkheadImpl,
  read: { active(b: BulkheadImpl): number; queued(b: BulkheadImpl): number },
): Tally {
  const labels = { name: bulkhead.name };
  const help = { active: 'Calls running in a bulkhead', queued: 'Calls waiting for a bulkhead slot' };
  scrapedGauge(registry, { name: 'bulkhead_active', help: help.active, labelNames: ['name'] }).track(
    bulkhead,
    labels,
    read.active,
  );
  scrapedGauge(registry, { name: 'bulkhead_queued', help: help.queued, labelNames: ['name'] }).track(
    bulkhead,
    labels,
    read.queued,
  );
  return scrapedCounter(registry, {
    name: 'bulkhead_rejections_total',
    help: 'Calls a bulkhead rejected (full, or waited too long)',
    labelNames: ['name'],
  }).tally('', () => labels);
}

export function createBulkhead(options: BulkheadOptions): Bulkhead {
  return new BulkheadImpl(options);
}

class BulkheadImpl implements Bulkhead {
  readonly name: string;
  private readonly maxConcurrent: number;
  private readonly maxQueue: number;
  private readonly queueTimeoutMs: number | undefined;
  private active = 0;
  /** Live waiters; the array below may also hold settled ones (cancelled), skipped when reached. */
  private queued = 0;
  private queue: (Waiter | undefined)[] = [];
  private head = 0;
  /** Calls rejected since creation (added to bulkhead_rejections_total at scrape time). */
  private readonly rejected: Tally;
  /** What the gauges read at scrape time (static, so the registry holds no bulkhead through them). */
  private static readonly levels = {
    active: (b: BulkheadImpl) => b.active,
    queued: (b: BulkheadImpl) => b.queued,
  };

  constructor(options: BulkheadOptions) {
    this.name = options.name;
    this.maxConcurrent = options.maxConcurrent ?? BULKHEAD_DEFAULTS.maxConcurrent;
    this.maxQueue = options.maxQueue ?? BULKHEAD_DEFAULTS.maxQueue;
    this.queueTimeoutMs = options.queueTimeoutMs;
    if (!this.name) throw new RangeError('bulkhead name is required');
    if (!Number.isInteger(this.maxConcurrent) || this.maxConcurrent < 1) {
      throw new RangeError('bulkhead maxConcurrent must be an integer >= 1');
    }
    if (!Number.isInteger(this.maxQueue) || this.maxQueue < 0)
      throw new RangeError('bulkhead maxQueue must be an integer >= 0');
    const wait = this.queueTimeoutMs;
    if (wait !== undefined && !(wait > 0 && Number.isFinite(wait))) {
      // setTimeout would turn a negative or NaN wait into ~1 ms and Infinity into 1 ms as well.
      throw new RangeError('bulkhead queueTimeoutMs must be a finite number > 0');
    }
    this.rejected = bulkheadMetrics(options.registry ?? register, this, BulkheadImpl.levels);
  }

  async execute<T>(operation: Operation<T>, options?: { signal?: AbortSignal }): Promise<T> {
    const signal = options?.signal;
    if (signal?.aborted) throw signal.reason;
    if (this.active < this.maxConcurrent && this.queued === 0) this.active += 1;
    else await this.waitForSlot(signal); // on success the slot is ours (handed over by release)
    try {
      return await operation(signal ?? NEVER_ABORTED);
    } finally {
      this.release();
    }
  }

  private waitForSlot(signal: AbortSignal | undefined): Promise<void> {
    if (this.queued >= this.maxQueue) {
      this.rejected.value += 1;
      return Promise.reject(new BulkheadRejectedError(this.name, 'full'));
    }
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const giveUp = (error: unknown) => {
        if (waiter.settled) return;
        waiter.settled = true;
        this.queued -= 1;
        waiter.cleanup();
        reject(error);
      };
      const onAbort = () => giveUp(signal?.reason);
      const waiter: Waiter = {
        resolve,
        settled: false,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      if (this.queueTimeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.rejected.value += 1;
          giveUp(new BulkheadRejectedError(this.name, 'queue-timeout'));
        }, this.queueTimeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.queued += 1;
    });
  }

  private release(): void {
    while (this.head < this.queue.length) {
      const waiter = this.queue[this.head];
      this.queue[this.head] = undefined;
      this.head += 1;
      if (!waiter || waiter.settled) continue;
      waiter.settled = true;
      this.queued -= 1;
      waiter.cleanup();
      this.compact();
      waiter.resolve(); // the slot passes to the waiter: `active` stays the same
      return;
    }
    this.compact();
    this.active -= 1;
  }

  /** Drops the consumed front of the queue array once it dominates, so it cannot grow forever. */
  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  snapshot(): BulkheadSnapshot {
    return {
      name: this.name,
      active: this.active,
      queued: this.queued,
      maxConcurrent: this.maxConcurrent,
      maxQueue: this.maxQueue,
      rejected: this.rejected.value,
    };
  }
}
