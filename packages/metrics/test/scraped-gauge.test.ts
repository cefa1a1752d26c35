// scrapedGauge: a level read from its owner at every scrape, without the gauge keeping the owner.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { gauge, metricValue, scrapedGauge } from '../src/index.ts';
import { isCollected } from '../src/testing.ts';

const config = { name: 'demo_active', help: 'demo', labelNames: ['name'] };

class Pool {
  active = 0;
  static read = (pool: Pool) => pool.active;
}

test('reads the owner at every scrape, and sets the series once when tracked', async () => {
  const registry = new Registry();
  const pool = new Pool();
  pool.active = 2;
  const readings = scrapedGauge(registry, config);
  readings.track(pool, { name: 'a' }, Pool.read);
  assert.equal((await readings.gauge.get()).values[0]?.value, 2);
  pool.active = 5;
  assert.equal(await metricValue(registry, 'demo_active', { name: 'a' }), 5);
  pool.active = 1;
  assert.match(await registry.metrics(), /demo_active\{name="a"\} 1/);
});

test('owners share one gauge, each series told apart by its labels', async () => {
  const registry = new Registry();
  const a = new Pool();
  const b = new Pool();
  scrapedGauge(registry, config).track(a, { name: 'a' }, Pool.read);
  scrapedGauge(registry, config).track(b, { name: 'b' }, Pool.read);
  a.active = 3;
  b.active = 4;
  assert.equal(await metricValue(registry, 'demo_active', { name: 'a' }), 3);
  assert.equal(await metricValue(registry, 'demo_active', { name: 'b' }), 4);
});

test('does not keep a dropped owner alive; its series keeps the last value read', async () => {
  const registry = new Registry();
  const readings = scrapedGauge(registry, config);
  let ref: WeakRef<object> | undefined;
  (() => {
    const pool = new Pool();
    pool.active = 6;
    readings.track(pool, { name: 'gone' }, Pool.read);
    ref = new WeakRef(pool);
  })();
  assert.ok(ref && (await isCollected(ref)), 'the dropped owner was collected');
  assert.equal(await metricValue(registry, 'demo_active', { name: 'gone' }), 6);
});

test('refuses a name already registered without scrape-time reading', () => {
  const registry = new Registry();
  gauge(registry, { ...config, labelNames: ['name'] });
  assert.throws(() => scrapedGauge(registry, config), /not as a scrape-time metric/);
});
