// Nothing a caller sends may become an unbounded set of metric series: 10,000 distinct rule names
// (as a service passing callers' policy names through would produce) stay within a fixed set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createLimiterMetrics, MAX_RULE_LABELS, OTHER_RULE_LABEL } from '../src/metrics.ts';
import type { Rule } from '../src/policy.ts';

const ruleNamed = (name: string, metricLabel?: string): Rule => ({
  name,
  algorithm: 'fixed-window',
  limit: 10,
  windowMs: 1_000,
  ...(metricLabel ? { metricLabel } : {}),
});

async function ruleLabels(registry: Registry): Promise<Set<string>> {
  const metric = await registry.getSingleMetric('ratelimit_decisions_total')?.get();
  return new Set(metric?.values.map((value) => String(value.labels.rule)));
}

test('10,000 distinct rule names report at most MAX_RULE_LABELS + 1 label values', async () => {
  const registry = new Registry();
  const metrics = createLimiterMetrics('labels', registry);
  for (let i = 0; i < 10_000; i += 1) metrics.decision(ruleNamed(`r${i}`), 'allowed');
  const labels = await ruleLabels(registry);
  assert.equal(labels.size, MAX_RULE_LABELS + 1);
  assert.ok(labels.has(OTHER_RULE_LABEL));
  const metric = await registry.getSingleMetric('ratelimit_decisions_total')?.get();
  const total = metric?.values.reduce((sum, value) => sum + value.value, 0);
  assert.equal(total, 10_000, 'every decision is still counted');
});

test('a metricLabel replaces the name: 10,000 inline names are one series', async () => {
  const registry = new Registry();
  const metrics = createLimiterMetrics('inline', registry);
  for (let i = 0; i < 10_000; i += 1) metrics.decision(ruleNamed(`caller-${i}`, 'inline'), 'denied');
  assert.deepEqual([...(await ruleLabels(registry))], ['inline']);
});
