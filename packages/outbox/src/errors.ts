// The error catalogue of @lab/outbox: every error it throws on its own behalf is an OutboxError whose
// `code` is one of OUTBOX_ERROR_CODES. Callers branch on the code with isOutboxError(error, code),
// never on the message and not with `instanceof` (a guard by code still works when two copies of the
// package are loaded, where instanceof would not). The relay's loop itself branches on codes only.
// An error about particular outbox rows names them in `rows`, so a log line says which row is
// stuck and why.

/** Every code this package throws, with what it means. */
export const OUTBOX_ERROR_CODES = {
  OUTBOX_INVALID_EVENT: 'enqueue got an event it cannot store (shape, payload, headers, id)',
  OUTBOX_INVALID_OPTIONS: 'relay, consumer or replay options that would misbehave (thrown at construction)',
  OUTBOX_NOT_IN_TRANSACTION: 'enqueue was called outside an open, healthy transaction',
  OUTBOX_NOT_LEADER: 'this relay lost the leader lock mid-batch; it steps down and nothing is marked',
  OUTBOX_RELAY_STATE: 'start() on a relay that is already running',
  OUTBOX_SEND_FAILED: 'Kafka did not acknowledge a send; `rows` are the rows of that request. Retried',
  OUTBOX_TOPIC_MISSING: 'a topic absent from the broker for missingTopicGraceMs: permanent',
  OUTBOX_EVENT_TOO_LARGE:
    'an event larger than the broker accepts: refused by enqueue, or by the broker (permanent)',
  OUTBOX_EVENT_REJECTED: 'another refusal no retry can change (an invalid record): permanent',
  OUTBOX_EVENT_PARKED: 'a row moved to outbox_dead_letters (policy park); later rows of its aggregate wait',
  OUTBOX_RELAY_HALTED: 'the relay stopped publishing at a permanently refused row (policy halt)',
  OUTBOX_HANDLER_FAILED: "a consumer's handler threw; counts towards maxAttempts, then the DLQ",
} as const;
export type OutboxErrorCode = keyof typeof OUTBOX_ERROR_CODES;

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

/**
 * True when `error` is Error-like (a string message) and carries a code of this package (`code`
 * only, when given). By code, not `instanceof` or name: it still matches an error from a second
 * copy of the package, or one that crossed a worker boundary as a plain object.
 */
export function isOutboxError(error: unknown, code?: OutboxErrorCode): error is OutboxError {
  const { message, code: actual } = (
    typeof error === 'object' && error !== null ? error : {}
  ) as Partial<OutboxError>;
  if (typeof message !== 'string' || typeof actual !== 'string') return false;
  return code === undefined ? Object.hasOwn(OUTBOX_ERROR_CODES, actual) : actual === code;
}
