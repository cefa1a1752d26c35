// The error catalogue: isOutboxError recognises errors by code, so an error from another copy of the
// package (or a plain object from a worker) still matches, and a foreign code never does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOutboxError, OUTBOX_ERROR_CODES, OutboxError } from '../src/index.ts';
import { HandlerError } from '../src/processing-transaction.ts';

describe('outbox error catalogue', () => {
  it('recognises its own errors by code, and a code only when asked for that code', () => {
    const error = new OutboxError('OUTBOX_NOT_LEADER', 'lost the lock');
    assert.ok(Object.hasOwn(OUTBOX_ERROR_CODES, error.code));
    assert.ok(isOutboxError(error) && isOutboxError(error, 'OUTBOX_NOT_LEADER'));
    assert.equal(isOutboxError(error, 'OUTBOX_SEND_FAILED'), false);
  });

  it("marks a handler's failure with a code while keeping the handler's name and message", () => {
    const cause = new RangeError('cannot credit a negative amount');
    const failure = new HandlerError(cause);
    assert.ok(isOutboxError(failure, 'OUTBOX_HANDLER_FAILED'));
    assert.equal(failure.name, 'RangeError');
    assert.equal(failure.message, cause.message);
    assert.equal(failure.cause, cause);
  });

  it('recognises a plain object from another copy of the package by its code', () => {
    const copy = { name: 'OutboxError', message: 'relay halted at row 7', code: 'OUTBOX_RELAY_HALTED' };
    assert.ok(isOutboxError(copy, 'OUTBOX_RELAY_HALTED'));
    assert.ok(isOutboxError(copy));
  });

  it('refuses a foreign code, a missing message and non-objects', () => {
    assert.equal(isOutboxError({ name: 'Error', message: 'x', code: 'CIRCUIT_OPEN' }), false);
    assert.equal(isOutboxError({ name: 'Error', message: 'x', code: 'hasOwnProperty' }), false);
    assert.equal(isOutboxError({ code: 'OUTBOX_SEND_FAILED' }, 'OUTBOX_SEND_FAILED'), false);
    for (const value of [null, undefined, 'OUTBOX_NOT_LEADER', 1]) assert.equal(isOutboxError(value), false);
  });
});
