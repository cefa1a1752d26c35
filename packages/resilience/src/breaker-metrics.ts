// Prometheus metrics for circuit breakers:
//   circuit_breaker_state{name}                      0 closed, 1 open, 2 half-open, 3 forced-open, 4 disabled
//   circuit_breaker_transitions_total{name,from,to}
//   circuit_breaker_calls_total{name,outcome}        success | failure | slow | rejected | timeout
// Trade-off: a prom-client `labels().inc()` costs ~150-200 ns (it hashes the label set every time),
// as much as the whole breaker. So a breaker counts outcomes in plain number fields and the
// registry pulls them at scrape time through the metrics' `collect` hook. The price: a breaker that
// is garbage-collected between scrapes loses the counts since the last scrape (breakers live as long
// as the client they guard, so in practice nothing is lost).
import type { Counter, Gauge, Registry } from 'prom-client';
import { counter, gauge } from './metric-registry.ts';

export type BreakerMetricSource = {
  /** Adds the outcome counts since the last flush to the counters and sets the state gauge. */
  flushMetrics(metrics: BreakerMetrics): void;
};

export type BreakerMetrics = {
  state: Gauge<'name'>;
  transitions: Counter<'name' | 'from' | 'to'>;
  calls: Counter<'name' | 'outcome'>;
  /** Starts pulling a breaker's counts at scrape time; held weakly so a dropped breaker can be collected. */
  track(source: BreakerMetricSource): void;
};

const byRegistry = new WeakMap<Registry, BreakerMetrics>();

export function breakerMetrics(registry: Registry): BreakerMetrics {
  const cached = byRegistry.get(registry);
  if (cached) return cached;
  const sources = new Set<WeakRef<BreakerMetricSource>>();
  const flushAll = () => {
    for (const ref of sources) {
      const source = ref.deref();
      if (source) source.flushMetrics(metrics);
      else sources.delete(ref);
    }
  };
  const metrics: BreakerMetrics = {
    state: gauge(registry, {
      name: 'circuit_breaker_state',
      help: 'Circuit breaker state: 0 closed, 1 open, 2 half-open, 3 forced-open, 4 disabled',
      labelNames: ['name'],
      collect: flushAll,
    }),
    transitions: counter(registry, {
      name: 'circuit_breaker_transitions_total',
      help: 'Circuit breaker state transitions',
      labelNames: ['name', 'from', 'to'],
    }),
    calls: counter(registry, {
      name: 'circuit_breaker_calls_total',
      help: 'Calls through a circuit breaker by outcome: success, failure, slow, rejected, timeout',
      labelNames: ['name', 'outcome'],
      collect: flushAll,
    }),
    track: (source) => {
      sources.add(new WeakRef(source));
    },
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
