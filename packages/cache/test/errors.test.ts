// The error catalogue: guards recognise errors by code, so a copy of the error from another copy of
// the package (or a plain object from a worker) still matches, and a foreign code never does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CACHE_ERROR_CODES,
  CacheClosedError,
  CacheLoadTimeoutError,
  CacheOptionsError,
  isCacheClosed,
  isCacheError,
  isCacheLoadTimeout,
  isCacheOptionsError,
} from '../src/index.ts';

describe('cache error catalogue', () => {
  it('gives every error a code from the catalogue, and its guard recognises it', () => {
    const cases = [
      [new CacheLoadTimeoutError('k', 50), isCacheLoadTimeout],
      [new CacheClosedError('c'), isCacheClosed],
      [new CacheOptionsError('bad'), isCacheOptionsError],
    ] as const;
    for (const [error, guard] of cases) {
      assert.ok(Object.hasOwn(CACHE_ERROR_CODES, error.code), error.code);
      assert.ok(guard(error) && isCacheError(error), error.code);
      assert.equal(error.name, error.constructor.name);
    }
    assert.equal(isCacheClosed(new CacheLoadTimeoutError('k', 50)), false);
  });

  it('recognises a plain object from another copy of the package by its code', () => {
    const copy = {
      name: 'CacheLoadTimeoutError',
      message: 'loading "k" did not finish',
      code: 'CACHE_LOAD_TIMEOUT',
    };
    assert.ok(isCacheLoadTimeout(copy));
    assert.ok(isCacheError(copy));
  });

  it('refuses a foreign code, a missing message and non-objects', () => {
    assert.equal(isCacheError({ name: 'Error', message: 'x', code: 'CIRCUIT_OPEN' }), false);
    assert.equal(isCacheError({ name: 'Error', message: 'x', code: 'toString' }), false);
    assert.equal(isCacheLoadTimeout({ code: 'CACHE_LOAD_TIMEOUT' }), false);
    for (const value of [null, undefined, 'CACHE_CLOSED', 42]) assert.equal(isCacheError(value), false);
  });
});
