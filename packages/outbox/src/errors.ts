// Typed errors of @lab/outbox: callers branch on the stable `code`, never on the message (a guard
// by code still works when two copies of the package are loaded, where instanceof would not).
// An error about particular outbox rows names them in `rows`, so a log line says which row is
// stuck and why.

export type OutboxErrorCode =
  | 'OUTBOX_INVALID_EVENT'
  | 'OUTBOX_INVALID_OPTIONS'
  | 'OUTBOX_NOT_IN_TRANSACTION'
  | 'OUTBOX_NOT_LEADER'
  | 'OUTBOX_RELAY_STATE'
  /** Kafka did not acknowledge a send; `rows` are the rows of that request. Retried. */
  | 'OUTBOX_SEND_FAILED'
  /** A topic absent from the broker's metadata; permanent once absent for `missingTopicGraceMs`. */
  | 'OUTBOX_TOPIC_MISSING'
  /** An event larger than the broker accepts: refused by enqueue, or by the broker (permanent at once). */
  | 'OUTBOX_EVENT_TOO_LARGE'
  /** Another refusal no retry can change (an invalid record): permanent at once. */
  | 'OUTBOX_EVENT_REJECTED'
  /** A row moved to outbox_dead_letters (policy `park`); later rows of its aggregate wait behind it. */
  | 'OUTBOX_EVENT_PARKED'
  /** The relay stopped publishing at a permanently refused row (policy `halt`). */
  | 'OUTBOX_RELAY_HALTED';

/** The identity of an outbox row, as errors and dead letters report it. */
export type OutboxRowRef = {
  id: string;
  eventId: string;
  topic: string;
  aggregateType: string;
  aggregateId: string;
};

export class OutboxError extends Error {
  readonly code: OutboxErrorCode;
  /** The outbox rows this error is about, if any. */
  readonly rows?: readonly OutboxRowRef[];

  constructor(
    code: OutboxErrorCode,
    message: string,
    options?: { cause?: unknown; rows?: readonly OutboxRowRef[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OutboxError';
    this.code = code;
    if (options?.rows) this.rows = options.rows;
  }
}

/** True when `error` is an OutboxError with this code (by code, so it survives duplicate copies). */
export function isOutboxError(error: unknown, code?: OutboxErrorCode): error is OutboxError {
  const candidate = error as { name?: unknown; code?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.name === 'OutboxError' &&
    typeof candidate.code === 'string' &&
    (code === undefined || candidate.code === code)
  );
}
