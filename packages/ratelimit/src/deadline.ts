// Time limit for Redis calls with ONE timer for all calls in flight, not one per call: a limiter
// check runs on every request, and a setTimeout + clearTimeout pair per call is measurable at
// tens of thousands of checks a second. Every call gets the same limit, so calls enter the queue
// in deadline order, and a call that finishes in time needs no bookkeeping at all: when its
// deadline comes, rejecting its (already settled) promise is a no-op. The sweep walks from the
// oldest entry and stops at the first one still in time.
// Granularity: a late call is rejected within timeoutMs + one sweep interval (timeoutMs / 4).
import { type Clock, eventLoopClock } from '@lab/resilience';
import { RedisTimeoutError } from './errors.ts';

type Entry = { deadline: number; reject: (error: Error) => void };

export class DeadlineTimer {
  private queue: Entry[] = [];
  private head = 0; // entries before it were swept; compacted now and then
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  // Default clock: read once per event-loop turn (@lab/resilience), exact enough for a limit in
  // tens of milliseconds and cheaper than performance.now() on every call.
  constructor(timeoutMs: number, clock: Clock = eventLoopClock) {
    if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');
    this.timeoutMs = timeoutMs;
    this.clock = clock;
  }

  /** Settles like `work`, or rejects with RedisTimeoutError once the limit passes. */
  run<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ deadline: this.clock.now() + this.timeoutMs, reject });
      this.timer ??= this.startSweeping();
      work.then(resolve, reject);
    });
  }

  private startSweeping(): ReturnType<typeof setInterval> {
    const timer = setInterval(() => this.sweep(), Math.max(1, Math.floor(this.timeoutMs / 4)));
    timer.unref(); // a pending check must not keep a process alive
    return timer;
  }

  private sweep(): void {
    const at = this.clock.now();
    const queue = this.queue;
    let head = this.head;
    const expired: Entry[] = [];
    while (head < queue.length && (queue[head] as Entry).deadline <= at) {
      expired.push(queue[head] as Entry);
      head += 1;
    }
    if (head === queue.length) {
      this.queue = [];
      this.head = 0;
      if (this.timer) clearInterval(this.timer); // idle: no wake-ups while nothing is in flight
      this.timer = undefined;
    } else if (head > 1024 && head * 2 > queue.length) {
      this.queue = queue.slice(head);
      this.head = 0;
    } else {
      this.head = head;
    }
    if (expired.length === 0) return;
    // After a stall (GC, a starved CPU) the timer phase runs BEFORE the poll phase that reads the
    // replies already waiting in the socket; rejecting now would time out answers that arrived in
    // time. setImmediate runs after the poll phase, so only calls still unanswered then fail.
    setImmediate(() => {
      const error = new RedisTimeoutError(this.timeoutMs);
      for (const entry of expired) entry.reject(error);
    });
  }
}
