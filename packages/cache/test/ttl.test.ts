// TTL jitter: the drawn TTL stays in [ttl·(1−jitter), ttl] and covers the band.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jitteredTtl } from '../src/ttl.ts';

describe('TTL jitter', () => {
  it('stays within [ttl·(1−jitter), ttl] at both ends of the random range', () => {
    assert.equal(
      jitteredTtl(60_000, 0.1, () => 0),
      60_000,
    );
    assert.equal(
      jitteredTtl(60_000, 0.1, () => 0.999_999),
      54_000,
    );
  });

  it('spreads real random draws over the whole band', () => {
    const samples = Array.from({ length: 2_000 }, () => jitteredTtl(10_000, 0.2));
    assert.ok(samples.every((ttl) => ttl >= 8_000 && ttl <= 10_000));
    assert.ok(Math.min(...samples) < 8_200 && Math.max(...samples) > 9_800, 'covers the band');
  });

  it('is the plain TTL without jitter and never below 1 ms', () => {
    assert.equal(jitteredTtl(500, 0), 500);
    assert.equal(
      jitteredTtl(1, 0.9, () => 0.99),
      1,
    );
  });
});
