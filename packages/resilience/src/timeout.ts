// Timeout: run an operation with a time limit. At the limit the operation's AbortSignal is aborted
// (so fetch, pg and friends stop their work) AND the returned promise rejects at once with a
// TimeoutError, even if the operation ignores its signal: the caller's time budget is what a
// timeout protects, and it must not depend on the callee's manners.
import { TimeoutError } from './errors.ts';

export type Operation<T> = (signal: AbortSignal) => Promise<T> | T;

/** A signal that never aborts, shared, so calls without a time limit allocate no AbortController. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * `operation` is a function of the AbortSignal (preferred: the work stops at the limit) or a promise
 * already under way (its work cannot be told to stop; the caller still gets its answer in time).
 * The lab's one timeout: service-kit's readiness checks use it too.
 */
export function withTimeout<T>(
  operation: Operation<T> | PromiseLike<T>,
  timeoutMs: number,
  parent?: AbortSignal,
): Promise<T> {
  if (parent?.aborted) return Promise.reject(parent.reason);
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    };
    const onParentAbort = () => {
      finish();
      controller.abort(parent?.reason);
      reject(parent?.reason);
    };
    const timer = setTimeout(() => {
      finish();
      const error = new TimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    parent?.addEventListener('abort', onParentAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(typeof operation === 'function' ? operation(controller.signal) : operation);
    } catch (error) {
      finish();
      reject(error);
      return;
    }
    // After a timeout these still run; resolve/reject on a settled promise are no-ops.
    pending.then(
      (value) => {
        finish();
        resolve(value);
      },
      (error: unknown) => {
        finish();
        reject(error);
      },
    );
  });
}

export type TimeoutPolicy = {
  readonly timeoutMs: number;
  execute<T>(operation: Operation<T>, options?: { signal?: AbortSignal }): Promise<T>;
};

/** The limit has no default, on purpose: only the caller knows its latency budget. */
export function createTimeout(timeoutMs: number): TimeoutPolicy {
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs))
    throw new RangeError('timeoutMs must be a finite number > 0');
  return { timeoutMs, execute: (operation, options) => withTimeout(operation, timeoutMs, options?.signal) };
}
