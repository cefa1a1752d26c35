// scrapedCounter: tallies reach the counter at scrape time, from every group on a shared counter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { metricValue, scrapedCounter } from '../src/index.ts';

const config = { name: 'demo_total', help: 'demo', labelNames: ['owner', 'outcome'] as const };

test('a tally reaches the counter when the registry is scraped, and only once', async () => {
  const registry = new Registry();
  const group = scrapedCounter(registry, { ...config, labelNames: [...config.labelNames] });
  const allowed = group.tally('a\0allowed', () => ({ owner: 'a', outcome: 'allowed' }));
  allowed.value += 3;
  assert.equal(await metricValue(registry, 'demo_total', { outcome: 'allowed' }), 3);
  // Flushed: a second scrape adds nothing new.
  assert.equal(await metricValue(registry, 'demo_total', { outcome: 'allowed' }), 3);
  allowed.value += 2;
  assert.equal(await metricValue(registry, 'demo_total', { outcome: 'allowed' }), 5);
});

test('the same key returns the same tally; labels are built only the first time', () => {
  const registry = new Registry();
  const group = scrapedCounter(registry, { ...config, labelNames: [...config.labelNames] });
  let built = 0;
  const labels = () => {
    built += 1;
    return { owner: 'a', outcome: 'denied' };
  };
  assert.equal(group.tally('k', labels), group.tally('k', labels));
  assert.equal(built, 1);
});

test('several groups share one counter, each series told apart by its own labels', async () => {
  const registry = new Registry();
  const first = scrapedCounter(registry, { ...config, labelNames: [...config.labelNames] });
  const second = scrapedCounter(registry, { ...config, labelNames: [...config.labelNames] });
  assert.equal(first.counter, second.counter);
  first.tally('x', () => ({ owner: 'first', outcome: 'allowed' })).value += 1;
  second.tally('x', () => ({ owner: 'second', outcome: 'allowed' })).value += 4;
  assert.equal(await metricValue(registry, 'demo_total', { owner: 'first' }), 1);
  assert.equal(await metricValue(registry, 'demo_total', { owner: 'second' }), 4);
  assert.equal(await metricValue(registry, 'demo_total'), 5);
});

test('a series exists from the first scrape, at zero', async () => {
  const registry = new Registry();
  const group = scrapedCounter(registry, { ...config, labelNames: [...config.labelNames] });
  group.tally('z', () => ({ owner: 'a', outcome: 'denied' }));
  const text = await registry.metrics();
  assert.match(text, /demo_total\{owner="a",outcome="denied"\} 0/);
});
