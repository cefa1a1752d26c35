// Time limit for Redis calls with ONE timer for all calls in flight, not one per call: a limiter
// check runs on every request, and a setTimeout + clearTimeout pair per call is measurable at
// tens of thousands of checks a second. Every call gets the same limit, so calls enter in deadline
// order; the sweep walks from the oldest and stops at the first one still in time.
// Granularity: a late call is rejected within timeoutMs + one sweep interval (timeoutMs / 4).
import type { Clock } from './local-block.ts';

export class RedisTimeoutError extends Error {
  readonly code = 'REDIS_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`Redis did not answer within ${timeoutMs} ms`);
    this.name = 'RedisTimeoutError';
  }
}

type Pending = { deadline: number; reject: (error: Error) => void };

export class DeadlineTimer {
  private readonly pending = new Set<Pending>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly timeoutMs: number;
  private readonly now: Clock;

  constructor(timeoutMs: number, now: Clock = () => performance.now()) {
    if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');
    this.timeoutMs = timeoutMs;
    this.now = now;
  }

  /** Settles like `work`, or rejects with RedisTimeoutError once the limit passes. */
  run<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { deadline: this.now() + this.timeoutMs, reject };
      this.pending.add(entry);
      this.timer ??= this.startSweeping();
      work.then(
        (value) => {
          this.pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(entry);
          reject(error);
        },
      );
    });
  }

  private startSweeping(): ReturnType<typeof setInterval> {
    const timer = setInterval(() => this.sweep(), Math.max(1, Math.floor(this.timeoutMs / 4)));
    timer.unref(); // a pending check must not keep a process alive
    return timer;
  }

  private sweep(): void {
    const at = this.now();
    for (const entry of this.pending) {
      if (entry.deadline > at) break;
      this.pending.delete(entry);
      entry.reject(new RedisTimeoutError(this.timeoutMs));
    }
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer); // idle: no wake-ups while nothing is in flight
      this.timer = undefined;
    }
  }
}
