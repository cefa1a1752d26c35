import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alternate } from '../src/alternate.ts';
import { ratioOf } from '../src/results.ts';
import { percentile, summarize } from '../src/stats.ts';

describe('bench statistics', () => {
  it('summarizes odd and even sample counts by median, min and max', () => {
    assert.deepEqual(summarize([5, 1, 3]), { median: 3, min: 1, max: 5 });
    assert.deepEqual(summarize([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4 });
  });

  it('takes percentiles by nearest rank', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(samples, 50), 50);
    assert.equal(percentile(samples, 99), 99);
    assert.equal(percentile(samples, 100), 100);
  });

  it('alternates variants round by round and drops the warm-up round', async () => {
    const calls: string[] = [];
    let a = 0;
    const result = await alternate(
      [
        {
          name: 'a',
          measure: async () => {
            calls.push('a');
            a += 1;
            return a;
          },
        },
        {
          name: 'b',
          measure: async () => {
            calls.push('b');
            return 10;
          },
        },
      ],
      { rounds: 3, warmupRounds: 1 },
    );
    assert.deepEqual(calls, ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
    assert.deepEqual(result.get('a')?.samples, [2, 3, 4]);
  });

  it('computes a ratio as the median of per-round ratios', () => {
    const ratio = ratioOf(
      'x/y',
      { name: 'x', median: 0, samples: [2, 4, 30] },
      { name: 'y', median: 0, samples: [1, 1, 10] },
    );
    assert.equal(ratio.median, 3);
  });
});
