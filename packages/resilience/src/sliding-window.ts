// The breaker's memory of recent calls: how many, how many failed, how many were slow.
// Two shapes, as in resilience4j:
//  - count: the last N calls, a ring of N outcome slots; recording evicts the oldest slot and
//    subtracts it, so the totals are O(1) to update and to read.
//  - time: the last T seconds in B buckets; a bucket older than T is dropped whole. Memory is B
//    buckets however busy the service is; the price is that expiry is per bucket, not per call.
export type WindowOptions =
  | { type: 'count'; size: number }
  | { type: 'time'; seconds: number; buckets?: number };

export type SlidingWindow = {
  /** Totals over the window as of the last record()/refresh(). */
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
  record(failed: boolean, slow: boolean, now: number): void;
  /** Drops whatever has aged out by `now` (only the time window ages). */
  refresh(now: number): void;
  clear(): void;
};

const FAILED = 1;
const SLOW = 2;

export class CountWindow implements SlidingWindow {
  calls = 0;
  failures = 0;
  slowCalls = 0;
  private readonly slots: Uint8Array;
  private next = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError('count window size must be an integer >= 1');
    this.slots = new Uint8Array(size);
  }

  record(failed: boolean, slow: boolean, _now: number): void {
    const size = this.slots.length;
    if (this.calls === size) {
      const evicted = this.slots[this.next] as number;
      if (evicted & FAILED) this.failures -= 1;
      if (evicted & SLOW) this.slowCalls -= 1;
    } else {
      this.calls += 1;
    }
    this.slots[this.next] = (failed ? FAILED : 0) | (slow ? SLOW : 0);
    if (failed) this.failures += 1;
    if (slow) this.slowCalls += 1;
    this.next = this.next + 1 === size ? 0 : this.next + 1;
  }

  refresh(_now: number): void {}

  clear(): void {
    this.slots.fill(0);
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
    this.next = 0;
  }
}

/**
 * Sums of a few series (calls, failures, ...) over the last `seconds`, kept in `buckets` time
 * buckets. The time window below and the retry budget both count this way.
 */
export class RollingCounters {
  /** Sum of each series over the window as of the last add()/refresh(). */
  readonly totals: Float64Array;
  private readonly bucketMs: number;
  // One flat array, bucket-major: series s of bucket b is at b * seriesCount + s. No per-bucket objects.
  private readonly cells: Float64Array;
  private readonly bucketCount: number;
  /** Index (time / bucketMs) of the newest bucket; older buckets follow it round the ring. */
  private current = Number.NEGATIVE_INFINITY;

  constructor(seconds: number, buckets: number, seriesCount: number) {
    if (!(seconds > 0)) throw new RangeError('window seconds must be > 0');
    if (!Number.isInteger(buckets) || buckets < 1)
      throw new RangeError('window buckets must be an integer >= 1');
    this.bucketMs = (seconds * 1000) / buckets;
    this.bucketCount = buckets;
    this.cells = new Float64Array(buckets * seriesCount);
    this.totals = new Float64Array(seriesCount);
  }

  add(series: number, amount: number, now: number): void {
    this.refresh(now);
    const cell = (this.current % this.bucketCount) * this.totals.length + series;
    this.cells[cell] = (this.cells[cell] as number) + amount;
    this.totals[series] = (this.totals[series] as number) + amount;
  }

  refresh(now: number): void {
    const index = Math.floor(now / this.bucketMs);
    if (index <= this.current) return;
    if (index - this.current >= this.bucketCount) {
      this.clear(); // everything in the ring is older than the window
    } else {
      // Drop each bucket the window has moved past; its slot is reused for the new times.
      for (let step = this.current + 1; step <= index; step += 1) this.dropBucket(step % this.bucketCount);
    }
    this.current = index;
  }

  clear(): void {
    this.cells.fill(0);
    this.totals.fill(0);
  }

  private dropBucket(bucket: number): void {
    const width = this.totals.length;
    for (let series = 0; series < width; series += 1) {
      const cell = bucket * width + series;
      this.totals[series] = (this.totals[series] as number) - (this.cells[cell] as number);
      this.cells[cell] = 0;
    }
  }
}

const CALLS = 0;
const FAILURES = 1;
const SLOW_CALLS = 2;

export class TimeWindow implements SlidingWindow {
  private readonly counters: RollingCounters;

  constructor(seconds: number, buckets: number) {
    this.counters = new RollingCounters(seconds, buckets, 3);
  }

  get calls(): number {
    return this.counters.totals[CALLS] as number;
  }

  get failures(): number {
    return this.counters.totals[FAILURES] as number;
  }

  get slowCalls(): number {
    return this.counters.totals[SLOW_CALLS] as number;
  }

  record(failed: boolean, slow: boolean, now: number): void {
    this.counters.add(CALLS, 1, now);
    if (failed) this.counters.add(FAILURES, 1, now);
    if (slow) this.counters.add(SLOW_CALLS, 1, now);
  }

  refresh(now: number): void {
    this.counters.refresh(now);
  }

  clear(): void {
    this.counters.clear();
  }
}

export function createWindow(options: WindowOptions): SlidingWindow {
  if (options.type === 'count') return new CountWindow(options.size);
  if (options.type === 'time') return new TimeWindow(options.seconds, options.buckets ?? 10);
  throw new RangeError(
    `window type must be 'count' or 'time', not ${JSON.stringify((options as { type: unknown }).type)}`,
  );
}
