// The legal-transition table: every move the README's diagram draws is legal, with the reasons that
// cause it; anything else is refused, so a slip in the breaker's logic fails loudly instead of
// leaving it in a state it can never leave.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertLegalTransition,
  type BreakerState,
  isLegalTransition,
  STATES,
  TRANSITIONS,
  type TransitionReason,
} from '../src/breaker-states.ts';

const LEGAL: [BreakerState, BreakerState, TransitionReason][] = [
  ['closed', 'open', 'failure-rate'],
  ['closed', 'open', 'slow-call-rate'],
  ['open', 'half-open', 'open-elapsed'],
  ['half-open', 'closed', 'trials-passed'],
  ['half-open', 'open', 'trial-failed'],
  ['half-open', 'open', 'trials-slow'],
  ['half-open', 'open', 'half-open-timeout'],
  ['closed', 'forced-open', 'forced'],
  ['open', 'forced-open', 'forced'],
  ['half-open', 'forced-open', 'forced'],
  ['disabled', 'forced-open', 'forced'],
  ['closed', 'disabled', 'disabled'],
  ['open', 'disabled', 'disabled'],
  ['half-open', 'disabled', 'disabled'],
  ['forced-open', 'disabled', 'disabled'],
  ['open', 'closed', 'reset'],
  ['half-open', 'closed', 'reset'],
  ['forced-open', 'closed', 'reset'],
  ['disabled', 'closed', 'reset'],
];

describe('breaker state table', () => {
  it('allows exactly the moves of the state diagram', () => {
    for (const [from, to, reason] of LEGAL) assert.ok(isLegalTransition(from, to, reason), `${from} → ${to}`);
    const listed = Object.entries(TRANSITIONS).flatMap(([from, moves]) =>
      Object.entries(moves).flatMap(([to, reasons]) =>
        (reasons ?? []).map((reason) => `${from}>${to}>${reason}`),
      ),
    );
    assert.deepEqual(listed.sort(), LEGAL.map((move) => move.join('>')).sort());
  });

  it('refuses a move the diagram does not draw, or one made for the wrong reason', () => {
    assert.equal(isLegalTransition('closed', 'half-open', 'open-elapsed'), false);
    assert.equal(isLegalTransition('forced-open', 'open', 'failure-rate'), false);
    assert.equal(isLegalTransition('disabled', 'half-open', 'open-elapsed'), false);
    assert.equal(isLegalTransition('closed', 'open', 'trial-failed'), false);
    for (const state of STATES) assert.equal(isLegalTransition(state, state, 'reset'), false);
    assert.throws(
      () => assertLegalTransition('redis', 'closed', 'half-open', 'open-elapsed'),
      /circuit breaker "redis": illegal transition closed → half-open \(open-elapsed\)/,
    );
  });
});
