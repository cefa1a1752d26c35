// createCache options: the documented defaults, `false` switches, and typed errors for bad values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CacheOptionsError } from '../src/errors.ts';
import { DEFAULTS, resolveOptions } from '../src/options.ts';

describe('cache options', () => {
  it('fills in the documented defaults', () => {
    const o = resolveOptions({ name: 'links' });
    assert.equal(o.keyPrefix, 'cache:links:');
    assert.deepEqual(o.l1, { maxEntries: DEFAULTS.l1MaxEntries, ttlMs: undefined });
    assert.equal(o.ttlMs, 60_000);
    assert.equal(o.earlyRefreshBeta, 1);
    assert.equal(o.lockTtlMs, o.hardTimeoutMs, 'the lock outlives the longest load waited for');
  });

  it('turns layers and features off with false', () => {
    const o = resolveOptions({ name: 'x', l1: false, earlyRefresh: false });
    assert.equal(o.l1, undefined);
    assert.equal(o.earlyRefreshBeta, undefined);
  });

  it('rejects bad values with a typed error', () => {
    const bad = [
      { name: '' },
      { name: 'x', ttlMs: 0 },
      { name: 'x', ttlJitter: 1 },
      { name: 'x', negativeTtlMs: -1 },
      { name: 'x', graceMs: Number.NaN },
      { name: 'x', l1: { maxEntries: 0 } },
      { name: 'x', earlyRefresh: { beta: 0 } },
      { name: 'x', lock: { waitMs: -5 } },
    ];
    for (const options of bad) {
      assert.throws(() => resolveOptions(options), CacheOptionsError, JSON.stringify(options));
    }
  });
});
