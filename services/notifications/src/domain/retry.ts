// What happens after a failed send: retry after the next delay in the list (1 s, 5 s, 30 s, 5 min
// by default), or, once the list is used up, dead-letter the message. A permanent failure (the
// provider refused the message itself, a 4xx) skips the retries: sending it again cannot help.
export type NextStep = { kind: 'retry'; delayMs: number; attempt: number } | { kind: 'dead-letter' };

/** `attempt` is the one that just failed, from 1. */
export function nextStep(attempt: number, delaysMs: readonly number[], permanent: boolean): NextStep {
  const delayMs = delaysMs[attempt - 1];
  if (permanent || delayMs === undefined) return { kind: 'dead-letter' };
  return { kind: 'retry', delayMs, attempt: attempt + 1 };
}
