// The bounded wait behind every call in this package: ask, and while the answer is "not yet"
// (a NotReady result or a transient Kafka error) ask again with a growing pause, until a deadline.
// Polling, because Kafka offers no event for "this topic now has leaders"; the pause starts short
// (a broker usually catches up in tens of milliseconds) and is capped, so a slow broker costs at
// most one cap of extra waiting after it becomes ready.
import { TopicsNotReadyError } from './errors.ts';
import { describeError, isTransient } from './transient.ts';

const FIRST_PAUSE_MS = 25;
const MAX_PAUSE_MS = 500;

/** What an attempt returns when the thing awaited is not there yet (the reason goes in the error). */
export class NotReady {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

export async function retryUntil<T>(
  deadline: number,
  what: string,
  attempt: () => Promise<T | NotReady>,
): Promise<T> {
  let pauseMs = FIRST_PAUSE_MS;
  for (;;) {
    let reason: string;
    let cause: unknown;
    try {
      const result = await attempt();
      if (!(result instanceof NotReady)) return result;
      reason = result.reason;
    } catch (error) {
      if (!isTransient(error)) throw error;
      reason = describeError(error);
      cause = error;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new TopicsNotReadyError(`kafka-topics: ${what} did not succeed in time; last: ${reason}`, {
        cause,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, remaining)));
    pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS);
  }
}
