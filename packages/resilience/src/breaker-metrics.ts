// Prometheus metrics for circuit breakers:
//   circuit_breaker_state{name}                      0 closed, 1 open, 2 half-open, 3 forced-open, 4 disabled
//   circuit_breaker_transitions_total{name,from,to}
//   circuit_breaker_calls_total{name,outcome}        success | failure | slow | rejected | timeout
// Calls are counted in the breaker and pulled at scrape time (scrape-sources.ts); transitions are
// rare, so they go straight to prom-client.

import { counter, gauge } from '@lab/metrics';
import type { Counter, Gauge } from 'prom-client';
import { type ScrapedMetrics, scrapedMetrics } from './scrape-sources.ts';

export type BreakerMetrics = ScrapedMetrics<{
  state: Gauge<'name'>;
  transitions: Counter<'name' | 'from' | 'to'>;
  calls: Counter<'name' | 'outcome'>;
}>;

export const breakerMetrics = scrapedMetrics((registry, collect) => ({
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
}));
