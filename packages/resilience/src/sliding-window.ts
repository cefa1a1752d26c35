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

export class TimeWindow implements SlidingWindow {
  calls = 0;
  failures = 0;
  slowCalls = 0;
  private readonly bucketMs: number;
  // Three parallel arrays instead of an array of bucket objects: one allocation each, no pointers.
  private readonly bucketCalls: Float64Array;
  private readonly bucketFailures: Float64Array;
  private readonly bucketSlow: Float64Array;
  /** Index (time / bucketMs) of the newest bucket; older buckets follow it round the ring. */
  private current = Number.NEGATIVE_INFINITY;

  constructor(seconds: number, buckets: number) {
    if (!(seconds > 0)) throw new RangeError('time window seconds must be > 0');
    if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError('time window buckets must be >= 1');
    this.bucketMs = (seconds * 1000) / buckets;
    this.bucketCalls = new Float64Array(buckets);
    this.bucketFailures = new Float64Array(buckets);
    this.bucketSlow = new Float64Array(buckets);
  }

  record(failed: boolean, slow: boolean, now: number): void {
    this.refresh(now);
    const slot = this.current % this.bucketCalls.length;
    this.bucketCalls[slot] = (this.bucketCalls[slot] as number) + 1;
    this.calls += 1;
    if (failed) {
      this.bucketFailures[slot] = (this.bucketFailures[slot] as number) + 1;
      this.failures += 1;
    }
    if (slow) {
      this.bucketSlow[slot] = (this.bucketSlow[slot] as number) + 1;
      this.slowCalls += 1;
    }
  }

  refresh(now: number): void {
    const index = Math.floor(now / this.bucketMs);
    if (index <= this.current) return;
    const count = this.bucketCalls.length;
    if (index - this.current >= count) {
      // Everything in the ring is older than the window.
      this.clear();
    } else {
      // Drop each bucket the window has moved past; it is reused for the new times.
      for (let step = this.current + 1; step <= index; step += 1) this.dropBucket(step % count);
    }
    this.current = index;
  }

  clear(): void {
    this.bucketCalls.fill(0);
    this.bucketFailures.fill(0);
    this.bucketSlow.fill(0);
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
  }

  private dropBucket(slot: number): void {
    this.calls -= this.bucketCalls[slot] as number;
    this.failures -= this.bucketFailures[slot] as number;
    this.slowCalls -= this.bucketSlow[slot] as number;
    this.bucketCalls[slot] = 0;
    this.bucketFailures[slot] = 0;
    this.bucketSlow[slot] = 0;
  }
}

export function createWindow(options: WindowOptions): SlidingWindow {
  return options.type === 'count'
    ? new CountWindow(options.size)
    : new TimeWindow(options.seconds, options.buckets ?? 10);
}
