// Unit tests of the load helpers every experiment relies on for "same seed, same load": the
// schedules are reproducible, ordered and at the asked rate, and the binning counts every event once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binCounts, constantRate, merge, poisson, runSchedule } from '../src/load.ts';
import { seededRandom } from '../src/random.ts';

test('the same seed gives the same Poisson arrivals; another seed does not', () => {
  const a = poisson(100, 10_000, seededRandom(7));
  assert.deepEqual(a, poisson(100, 10_000, seededRandom(7)));
  assert.notDeepEqual(a, poisson(100, 10_000, seededRandom(8)));
  assert.ok(a.length > 900 && a.length < 1100, `about 1,000 arrivals in 10 s at 100/s, got ${a.length}`);
  assert.ok(a.every((t, i) => t >= 0 && t < 10_000 && (i === 0 || t >= (a[i - 1] as number))));
});

test('a constant rate is evenly spaced; merging keeps time order and the source of each arrival', () => {
  assert.deepEqual(constantRate(4, 1000), [0, 250, 500, 750]);
  const merged = merge([0, 500], constantRate(4, 1000, 100));
  assert.deepEqual(
    merged.map((a) => [a.atMs, a.source]),
    [
      [0, 0],
      [100, 1],
      [350, 1],
      [500, 0],
      [600, 1],
      [850, 1],
    ],
  );
});

test('binCounts counts each event once, keeps empty series, and drops events outside the run', () => {
  const bins = binCounts(
    [
      { atMs: 0, series: 'a' },
      { atMs: 99, series: 'a' },
      { atMs: 100, series: 'a' },
      { atMs: 250, series: 'a' },
    ],
    100,
    200,
    ['a', 'b'],
  );
  assert.deepEqual(bins, [
    { t: 0, series: 'a', count: 2 },
    { t: 100, series: 'a', count: 1 },
    { t: 0, series: 'b', count: 0 },
    { t: 100, series: 'b', count: 0 },
  ]);
});

test('runSchedule fires every arrival, in order, and waits for all of them', async () => {
  const fired: number[] = [];
  let settled = 0;
  await runSchedule([0, 5, 5, 20], async (i) => {
    fired.push(i);
    await new Promise((resolve) => setImmediate(resolve));
    settled += 1;
  });
  assert.deepEqual(fired, [0, 1, 2, 3]);
  assert.equal(settled, 4);
});
