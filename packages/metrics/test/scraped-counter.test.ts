// scrapedCounter: tallies reach the counter at scrape time, from every group on a shared counter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { counter, metricValue, scrapedCounter } from '../src/index.ts';
import { collectGarbage, isCollected } from '../src/testing.ts';

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

test('tally works passed around on its own, as the rate limiter uses it', async () => {
  const registry = new Registry();
  const { tally } = scrapedCounter(registry, { ...config, labelNames: [...config.labelNames] });
  tally('a', () => ({ owner: 'a', outcome: 'allowed' })).value += 1;
  tally('a', () => ({ owner: 'a', outcome: 'allowed' })).value += 1;
  assert.equal(await metricValue(registry, 'demo_total', { owner: 'a' }), 2);
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

test('a tally keeps counting from its creation on, so counts survive between scrapes', async () => {
  const registry = new Registry();
  const group = scrapedCounter(registry, { ...config, labelNames: [...config.labelNames] });
  const denied = group.tally('d', () => ({ owner: 'a', outcome: 'denied' }));
  denied.value += 2;
  assert.equal(await metricValue(registry, 'demo_total'), 2);
  denied.value += 1;
  // The component still reads its own total (a breaker's snapshot does); the counter catches up.
  assert.equal(denied.value, 3);
  assert.equal(await metricValue(registry, 'demo_total'), 3);
});

test('a held tally is still counted after a garbage collection, whatever became of its group', async () => {
  // The regression: groups were held weakly and nothing but the group held on to them, so every
  // component but the first on a counter lost its counts at the next collection.
  const registry = new Registry();
  const make = (owner: string) =>
    scrapedCounter(registry, { ...config, labelNames: [...config.labelNames] }).tally(owner, () => ({
      owner,
      outcome: 'allowed',
    }));
  const first = make('first');
  const second = make('second');
  await collectGarbage();
  first.value += 1;
  second.value += 4;
  assert.equal(await metricValue(registry, 'demo_total', { owner: 'first' }), 1);
  assert.equal(await metricValue(registry, 'demo_total', { owner: 'second' }), 4);
});

test('the counter does not keep a dropped tally alive, and its series stays', async () => {
  const registry = new Registry();
  let ref: WeakRef<object> | undefined;
  (() => {
    const group = scrapedCounter(registry, { ...config, labelNames: [...config.labelNames] });
    const tally = group.tally('gone', () => ({ owner: 'gone', outcome: 'allowed' }));
    tally.value += 7;
    ref = new WeakRef(tally);
  })();
  assert.equal(await metricValue(registry, 'demo_total', { owner: 'gone' }), 7);
  assert.ok(ref && (await isCollected(ref)), 'the dropped tally was collected');
  assert.equal(await metricValue(registry, 'demo_total', { owner: 'gone' }), 7);
});

test('refuses a name already registered without scrape-time counting', () => {
  const registry = new Registry();
  counter(registry, { name: 'demo_total', help: 'demo', labelNames: ['owner', 'outcome'] });
  assert.throws(
    () => scrapedCounter(registry, { ...config, labelNames: [...config.labelNames] }),
    /not as a scrape-time metric/,
  );
});
