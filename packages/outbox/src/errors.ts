// Typed errors of @lab/outbox: callers branch on the stable `code`, never on the message.

export type OutboxErrorCode =
  | 'OUTBOX_INVALID_EVENT'
  | 'OUTBOX_INVALID_OPTIONS'
  | 'OUTBOX_NOT_IN_TRANSACTION'
  | 'OUTBOX_NOT_LEADER'
  | 'OUTBOX_RELAY_STATE';

export class OutboxError extends Error {
  readonly code: OutboxErrorCode;

  constructor(code: OutboxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutboxError';
    this.code = code;
  }
}
