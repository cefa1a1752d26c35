// Prometheus metrics for circuit breakers:
//   circuit_breaker_state{name}                      0 closed, 1 open, 2 half-open, 3 forced-open, 4 disabled
//   circuit_breaker_transitions_total{name,from,to}
//   circuit_breaker_calls_total{name,outcome}        success | failure | slow | rejected | timeout
// Calls are counted in the breaker and pulled at scrape time (scrape-sources.ts); transitions are
// rare, so they go straight to prom-client.
import type { Counter, Gauge, Registry } from 'prom-client';
import { counter, gauge } from './metric-registry.ts';
import { type ScrapeSource, scrapeSources } from './scrape-sources.ts';

export type BreakerMetrics = {
  state: Gauge<'name'>;
  transitions: Counter<'name' | 'from' | 'to'>;
  calls: Counter<'name' | 'outcome'>;
  /** Starts pulling a breaker's counts at scrape time. */
  track(source: ScrapeSource<BreakerMetrics>): void;
};

const byRegistry = new WeakMap<Registry, BreakerMetrics>();

export function breakerMetrics(registry: Registry): BreakerMetrics {
  const cached = byRegistry.get(registry);
  if (cached) return cached;
  const sources = scrapeSources<BreakerMetrics>();
  const collect = () => sources.flushAll(metrics);
  const metrics: BreakerMetrics = {
    state: gauge(registry, {
      name: 'circuit_breaker_state',
      help: 'Circuit breaker state: 0 closed, 1 open, 2 half-open, 3 forced-open, 4 disabled',
      labelNames: ['name'],
      collect,
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
      collect,
    }),
    track: (source) => sources.add(source),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
