// A message's life as a table of legal moves, so every status change in the code is checked
// against one diagram:
//
//   queued -> sent -> delivered | bounced      (provider accepted, then its webhook)
//   queued -> delivered | bounced              (the webhook raced ahead of our own commit)
//   queued -> failed                           (retries exhausted: dead-lettered)
//   queued -> skipped                          (per-user cap or suppressed at send time)
//   failed -> queued                           (a DLQ replay)
export const STATUSES = ['queued', 'sent', 'delivered', 'failed', 'bounced', 'skipped'] as const;
export type Status = (typeof STATUSES)[number];

const MOVES: Record<Status, readonly Status[]> = {
  queued: ['sent', 'delivered', 'bounced', 'failed', 'skipped'],
  sent: ['delivered', 'bounced'],
  delivered: [],
  bounced: [],
  failed: ['queued'],
  skipped: [],
};

export function canMove(from: Status, to: Status): boolean {
  return MOVES[from].includes(to);
}

/** The statuses a message may be in for a move to `to` (for `WHERE status = ANY(...)`). */
export function sourcesOf(to: Status): Status[] {
  return STATUSES.filter((from) => canMove(from, to));
}
