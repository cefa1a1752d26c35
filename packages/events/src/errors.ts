// The error catalogue of @lab/events: one failure, a payload that breaks its contract. Consumers
// branch on the `code` with isEventContractError, not `instanceof`: services and libraries each
// import this package, and a code still matches when two copies are loaded or the error arrives as
// a plain object. A consumer dead-letters such an event: it never becomes valid by retrying.

/** Every code this package throws, with what it means. */
export const EVENTS_ERROR_CODES = {
  EVENT_CONTRACT_VIOLATION: 'a payload breaks its contract; `issues` name each failing field',
} as const;
export type EventsErrorCode = keyof typeof EVENTS_ERROR_CODES;

/** A payload that breaks its contract. `code` is stable; `issues` name each failing field. */
export class EventContractError extends Error {
  readonly code = 'EVENT_CONTRACT_VIOLATION';
  readonly eventType: string;
  readonly issues: string[];

  constructor(eventType: string, issues: string[]) {
    super(`${eventType} breaks its contract: ${issues.join('; ')}`);
    this.name = 'EventContractError';
    this.eventType = eventType;
    this.issues = issues;
  }
}

/** An Error-like value (a string message) with code EVENT_CONTRACT_VIOLATION, from any copy. */
export function isEventContractError(error: unknown): error is EventContractError {
  const { message, code } = (
    typeof error === 'object' && error !== null ? error : {}
  ) as Partial<EventContractError>;
  return typeof message === 'string' && code === 'EVENT_CONTRACT_VIOLATION';
}
