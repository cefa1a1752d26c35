// One Redis operation on the cache's behalf: a failure (or an open breaker) is counted and turns
// into FAILED, so every caller skips the layer instead of failing the request.
import type { CacheMetrics } from './metrics.ts';

export const FAILED: unique symbol = Symbol('l2-failed');

export type Attempt = <T>(op: string, call: () => Promise<T>) => Promise<T | typeof FAILED>;

export function createAttempt(metrics: CacheMetrics): Attempt {
  return async (op, call) => {
    try {
      return await call();
    } catch {
      metrics.l2Error(op);
      return FAILED;
    }
  };
}
