// The circuit breaker's states and every legal move between them, in one table, so the state
// machine reads at a glance; the breaker's transition() refuses any move not listed here (as
// resilience4j's StateTransition does). Each move names the reasons that may cause it; the reason
// travels with the stateChange event, so a log line says why a breaker opened.
//
//   closed ──failure-rate | slow-call-rate──▶ open ──open-elapsed──▶ half-open
//   half-open ──trials-passed──▶ closed
//   half-open ──trial-failed | trials-slow | half-open-timeout──▶ open
//   forceOpen(), disable() and reset() are operator moves, legal from every other state.

export type BreakerState = 'closed' | 'open' | 'half-open' | 'forced-open' | 'disabled';

/** Why a breaker changed state. */
export type TransitionReason =
  /** closed → open: failures/calls reached failureRateThreshold (with minimumCalls in the window). */
  | 'failure-rate'
  /** closed → open: slow calls/calls reached slowCallRateThreshold. */
  | 'slow-call-rate'
  /** open → half-open: openDurationMs passed (noticed by the next call, `state` read or scrape). */
  | 'open-elapsed'
  /** half-open → closed: every trial succeeded, and not too many were slow. */
  | 'trials-passed'
  /** half-open → open: a trial failed or timed out. */
  | 'trial-failed'
  /** half-open → open: the slow trials reached slowCallRateThreshold. */
  | 'trials-slow'
  /** half-open → open: maxHalfOpenWaitMs passed without a verdict. */
  | 'half-open-timeout'
  /** → forced-open: forceOpen(). */
  | 'forced'
  /** → disabled: disable(). */
  | 'disabled'
  /** → closed: reset(). */
  | 'reset';

/** Index = the value of the circuit_breaker_state gauge; the breaker keeps its state as this index. */
export const STATES: readonly BreakerState[] = ['closed', 'open', 'half-open', 'forced-open', 'disabled'];
export const CLOSED = 0;
export const OPEN = 1;
export const HALF_OPEN = 2;
export const FORCED_OPEN = 3;
export const DISABLED = 4;

/** from → to → the reasons that make this move legal. A move that is not here is a bug. */
export const TRANSITIONS: {
  readonly [From in BreakerState]: { readonly [To in BreakerState]?: readonly TransitionReason[] };
} = {
  closed: { open: ['failure-rate', 'slow-call-rate'], 'forced-open': ['forced'], disabled: ['disabled'] },
  open: {
    'half-open': ['open-elapsed'],
    closed: ['reset'],
    'forced-open': ['forced'],
    disabled: ['disabled'],
  },
  'half-open': {
    closed: ['trials-passed', 'reset'],
    open: ['trial-failed', 'trials-slow', 'half-open-timeout'],
    'forced-open': ['forced'],
    disabled: ['disabled'],
  },
  'forced-open': { closed: ['reset'], disabled: ['disabled'] },
  disabled: { closed: ['reset'], 'forced-open': ['forced'] },
};

export function isLegalTransition(from: BreakerState, to: BreakerState, reason: TransitionReason): boolean {
  return TRANSITIONS[from][to]?.includes(reason) ?? false;
}

/** Throws on a move the table does not list: the breaker's own logic went wrong, not the caller's. */
export function assertLegalTransition(
  breaker: string,
  from: BreakerState,
  to: BreakerState,
  reason: TransitionReason,
): void {
  if (!isLegalTransition(from, to, reason)) {
    throw new Error(`circuit breaker "${breaker}": illegal transition ${from} → ${to} (${reason})`);
  }
}
