// The error catalogue: isEventContractError recognises the error by code, so one from another copy
// of the package (or a plain object from a worker) still matches, and a foreign code never does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENTS_ERROR_CODES, EventContractError, isEventContractError } from '../src/index.ts';

describe('events error catalogue', () => {
  it('gives the contract error its catalogue code', () => {
    const error = new EventContractError('url.clicked.v1', ['code: Required']);
    assert.ok(Object.hasOwn(EVENTS_ERROR_CODES, error.code));
    assert.ok(isEventContractError(error));
    assert.equal(error.name, 'EventContractError');
  });

  it('recognises a plain object from another copy of the package by its code', () => {
    const copy = {
      name: 'EventContractError',
      message: 'url.clicked.v1 breaks',
      code: 'EVENT_CONTRACT_VIOLATION',
    };
    assert.ok(isEventContractError(copy));
  });

  it('refuses a foreign code, a missing message and non-objects', () => {
    assert.equal(isEventContractError({ name: 'ZodError', message: 'x', code: 'invalid_type' }), false);
    assert.equal(isEventContractError({ code: 'EVENT_CONTRACT_VIOLATION' }), false);
    for (const value of [null, undefined, 'EVENT_CONTRACT_VIOLATION'])
      assert.equal(isEventContractError(value), false);
  });
});
