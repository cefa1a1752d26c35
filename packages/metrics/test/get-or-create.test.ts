// Get-or-create: a second instance reuses the metric; a clash of types is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { counter, gauge, histogram } from '../src/index.ts';

describe('metric get-or-create', () => {
  it('returns the registered metric on the second call, so instances share it by label', async () => {
    const registry = new Registry();
    const first = counter(registry, { name: 'jobs_total', help: 'jobs', labelNames: ['worker'] });
    const second = counter(registry, { name: 'jobs_total', help: 'jobs', labelNames: ['worker'] });
    assert.equal(second, first);
    first.inc({ worker: 'a' });
    second.inc({ worker: 'b' }, 2);
    const text = await registry.metrics();
    assert.match(text, /jobs_total\{worker="a"\} 1/);
    assert.match(text, /jobs_total\{worker="b"\} 2/);
  });

  it('refuses a name already taken by a metric of another type', () => {
    const registry = new Registry();
    gauge(registry, { name: 'depth', help: 'depth', labelNames: [] });
    assert.throws(() => counter(registry, { name: 'depth', help: 'depth', labelNames: [] }), /another type/);
  });

  it('runs collect at scrape time, so a hot path can count in plain numbers', async () => {
    const registry = new Registry();
    let pending = 3;
    const calls = counter(registry, {
      name: 'calls_total',
      help: 'calls',
      labelNames: [],
      collect() {
        calls.inc(pending);
        pending = 0;
      },
    });
    assert.match(await registry.metrics(), /calls_total 3/);
  });

  it('passes buckets through to histograms', async () => {
    const registry = new Registry();
    histogram(registry, { name: 'wait_seconds', help: 'wait', labelNames: [], buckets: [0.5, 2] }).observe(1);
    assert.match(await registry.metrics(), /wait_seconds_bucket\{le="2"\} 1/);
  });
});
