// metricValue: sums the matching series, picks a histogram's sub-series, and reads 0 for nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { counter, histogram, metricValue } from '../src/index.ts';

describe('metricValue', () => {
  it('sums the series whose labels include the given ones', async () => {
    const registry = new Registry();
    const calls = counter(registry, { name: 'calls_total', help: 'calls', labelNames: ['name', 'outcome'] });
    calls.inc({ name: 'a', outcome: 'ok' }, 2);
    calls.inc({ name: 'a', outcome: 'error' }, 3);
    calls.inc({ name: 'b', outcome: 'ok' }, 7);
    assert.equal(await metricValue(registry, 'calls_total', { name: 'a' }), 5);
    assert.equal(await metricValue(registry, 'calls_total', { name: 'a', outcome: 'error' }), 3);
    assert.equal(await metricValue(registry, 'calls_total'), 12);
  });

  it("reads one of a histogram's series", async () => {
    const registry = new Registry();
    const size = histogram(registry, { name: 'batch_size', help: 'size', labelNames: [], buckets: [10] });
    size.observe(4);
    size.observe(6);
    assert.equal(await metricValue(registry, 'batch_size', {}, 'batch_size_count'), 2);
    assert.equal(await metricValue(registry, 'batch_size', {}, 'batch_size_sum'), 10);
  });

  it('reads 0 for a metric or series that does not exist yet', async () => {
    const registry = new Registry();
    counter(registry, { name: 'calls_total', help: 'calls', labelNames: ['name'] });
    assert.equal(await metricValue(registry, 'missing_total'), 0);
    assert.equal(await metricValue(registry, 'calls_total', { name: 'nobody' }), 0);
  });
});
