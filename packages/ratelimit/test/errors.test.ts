// The error catalogue: guards recognise errors by code, so an error from another copy of the package
// (or a plain object from a worker) still matches, and a foreign code never does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isRateLimitError,
  isRedisTimeout,
  RATELIMIT_ERROR_CODES,
  RateLimitError,
  RedisTimeoutError,
  validateCost,
} from '../src/index.ts';

describe('ratelimit error catalogue', () => {
  it('gives every error a catalogue code, recognised by its own guard only', () => {
    const input = new RateLimitError('INVALID_KEY', 'bad key');
    const timeout = new RedisTimeoutError(100);
    for (const error of [input, timeout]) assert.ok(Object.hasOwn(RATELIMIT_ERROR_CODES, error.code));
    assert.ok(isRateLimitError(input) && isRateLimitError(input, 'INVALID_KEY'));
    assert.equal(isRateLimitError(input, 'INVALID_COST'), false);
    assert.ok(isRedisTimeout(timeout));
    // A timeout is not the caller's mistake: the service must not turn it into a 400.
    assert.equal(isRateLimitError(timeout), false);
    assert.equal(isRedisTimeout(input), false);
  });

  it('recognises what the package throws', () => {
    assert.throws(
      () => validateCost(0, []),
      (error: unknown) => isRateLimitError(error, 'INVALID_COST'),
    );
  });

  it('recognises a plain object from another copy of the package by its code', () => {
    assert.ok(isRateLimitError({ name: 'RateLimitError', message: 'rule "x": bad', code: 'INVALID_RULE' }));
    assert.ok(isRedisTimeout({ name: 'RedisTimeoutError', message: 'no answer', code: 'REDIS_TIMEOUT' }));
  });

  it('refuses a foreign code, a missing message and non-objects', () => {
    assert.equal(isRateLimitError({ name: 'Error', message: 'x', code: 'CIRCUIT_OPEN' }), false);
    assert.equal(isRateLimitError({ name: 'Error', message: 'x', code: 'constructor' }), false);
    assert.equal(isRedisTimeout({ code: 'REDIS_TIMEOUT' }), false);
    for (const value of [null, undefined, 'INVALID_KEY', 7]) assert.equal(isRateLimitError(value), false);
  });
});
