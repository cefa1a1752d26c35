// The cross-instance stampede lock with a bounded wait. One script call either finds a fresh
// entry someone just wrote ('filled'), takes the lock ('acquired') or reports it held ('busy');
// the lock and busy answers carry the fences read at that moment, which the load's write must
// find unchanged (see scripts.ts). Each poll re-runs the script, so a holder that finishes or
// gives up is noticed on the next poll. 'busy' after the wait (or Redis failing) means: load
// without the lock rather than hang; the fence still guards that load's write.
import { randomUUID } from 'node:crypto';
import type { Entry } from './entry.ts';
import type { Flight } from './flight.ts';
import { type Attempt, FAILED } from './l2-attempt.ts';
import type { Fence, L2Store, LockResult } from './l2-store.ts';
import type { CacheMetrics } from './metrics.ts';
import type { ResolvedOptions } from './options.ts';

export type LockOutcome =
  | { kind: 'acquired'; token: string; fence: Fence }
  /** `fence` is undefined when Redis could not be asked: such a load must not write L2. */
  | { kind: 'busy'; fence: Fence | undefined }
  | { kind: 'filled'; entry: Entry };

export type LockWaitParts = { l2: L2Store; o: ResolvedOptions; metrics: CacheMetrics; attempt: Attempt };

export async function lockForLoad(
  { l2, o, metrics, attempt }: LockWaitParts,
  flight: Flight,
  key: string,
  knownCreatedAt: number,
): Promise<LockOutcome> {
  const token = randomUUID();
  const tryLock = () =>
    attempt('lock', () => l2.lockOrGet(key, flight.tags, token, o.lockTtlMs, Date.now(), knownCreatedAt));
  const asOutcome = (result: LockResult): LockOutcome =>
    result.kind === 'acquired' ? { kind: 'acquired', token, fence: result.fence } : result;
  const first = await tryLock();
  if (first === FAILED) return { kind: 'busy', fence: undefined };
  if (first.kind !== 'busy') return asOutcome(first);
  let last: LockResult = first;
  const deadline = Date.now() + o.lockWaitMs;
  let pause = 5;
  while (!flight.timedOut && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(1, deadline - Date.now()))));
    pause = Math.min(pause * 2, 50);
    const next = await tryLock();
    if (next === FAILED) break;
    if (next.kind !== 'busy') {
      (next.kind === 'filled' ? metrics.lockWaits.filled : metrics.lockWaits.acquired).value += 1;
      return asOutcome(next);
    }
    last = next;
  }
  metrics.lockWaits.timedOut.value += 1;
  return last;
}
