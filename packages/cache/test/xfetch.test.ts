// The XFetch early-refresh decision with an injected random number: threshold, probability, β.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shouldRefreshEarly } from '../src/xfetch.ts';

const base = { now: 10_000, expiresAt: 11_000, deltaMs: 100, beta: 1 };

describe('XFetch decision', () => {
  it('recomputes exactly when now − δ·β·ln(rand) reaches the expiry', () => {
    // 1 s before expiry with δ = 100 ms: the threshold is ln(rand) ≤ −10, i.e. rand ≤ e^−10.
    const threshold = Math.exp(-10);
    assert.equal(shouldRefreshEarly({ ...base, random: () => threshold * 0.99 }), true);
    assert.equal(shouldRefreshEarly({ ...base, random: () => threshold * 1.01 }), false);
  });

  it('matches the per-read probability exp(−T/(βδ))', () => {
    // T = δ → 36.8 %; T = 5δ → 0.67 %.
    const oneDelta = { ...base, now: base.expiresAt - 100 };
    assert.equal(shouldRefreshEarly({ ...oneDelta, random: () => 0.36 }), true);
    assert.equal(shouldRefreshEarly({ ...oneDelta, random: () => 0.38 }), false);
    const fiveDelta = { ...base, now: base.expiresAt - 500 };
    assert.equal(shouldRefreshEarly({ ...fiveDelta, random: () => 0.0066 }), true);
    assert.equal(shouldRefreshEarly({ ...fiveDelta, random: () => 0.0068 }), false);
  });

  it('recomputes earlier with a larger β', () => {
    const input = { ...base, now: base.expiresAt - 300, random: () => 0.1 };
    assert.equal(shouldRefreshEarly({ ...input, beta: 1 }), false);
    assert.equal(shouldRefreshEarly({ ...input, beta: 2 }), true);
  });

  it('always recomputes at or after expiry, never without a measured load time', () => {
    assert.equal(shouldRefreshEarly({ ...base, now: base.expiresAt, random: () => 0.999 }), true);
    assert.equal(
      shouldRefreshEarly({ ...base, deltaMs: 0, now: base.expiresAt - 1, random: () => 0 }),
      false,
    );
  });
});
