// The Idempotency-Key factory refuses windows that would silently disable it. No database is
// touched: the options are checked before the middleware ever queries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { idempotency } from '../src/index.ts';

const unusedPool = {} as pg.Pool;

describe('idempotency options', () => {
  it('rejects a ttl or lease that is not a positive number of milliseconds', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => idempotency({ pool: unusedPool, ttlMs: bad }), {
        name: 'RangeError',
        message: /ttlMs must be a positive number/,
      });
      assert.throws(() => idempotency({ pool: unusedPool, inFlightLeaseMs: bad }), {
        name: 'RangeError',
        message: /inFlightLeaseMs must be a positive number/,
      });
    }
  });

  it('accepts the defaults and explicit positive windows', () => {
    assert.equal(typeof idempotency({ pool: unusedPool }), 'function');
    assert.equal(typeof idempotency({ pool: unusedPool, ttlMs: 1_000, inFlightLeaseMs: 500 }), 'function');
  });
});
