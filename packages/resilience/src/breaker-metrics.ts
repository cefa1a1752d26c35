// Prometheus metrics for circuit breakers:
//   circuit_breaker_state{name}                      0 closed, 1 open, 2 half-open, 3 forced-open, 4 disabled
//   circuit_breaker_transitions_total{name,from,to}
//   circuit_breaker_calls_total{name,outcome}        success | failure | slow | rejected | timeout
// Calls are counted on @lab/metrics tallies (plain numbers, added to the counter at scrape time) and
// the state is read at scrape time, so the closed path never touches prom-client. Transitions are
// rare, so they go straight to prom-client.
import { counter, scrapedCounter, scrapedGauge, type Tally } from '@lab/metrics';
import type { Counter, Registry } from 'prom-client';

export type CallOutcome = 'success' | 'failure' | 'slow' | 'rejected' | 'timeout';

const OUTCOMES: readonly CallOutcome[] = ['success', 'failure', 'slow', 'rejected', 'timeout'];

export type BreakerMetrics = {
  /** One tally per outcome; the breaker adds to them and reads them back for its snapshot. */
  calls: Record<CallOutcome, Tally>;
  /** Incremented directly: transitions are rare. */
  transitions: Counter<'name' | 'from' | 'to'>;
};

/**
 * The metrics of the breaker `owner` named `name`. `stateCode(owner)` is read at every scrape (the
 * read may move an open breaker whose time is up to half-open, so the gauge is registered before the
 * transitions counter, which a scrape then reads after it).
 */
export function breakerMetrics<O extends object>(
  registry: Registry,
  name: string,
  owner: O,
  stateCode: (owner: O) => number,
): BreakerMetrics {
  scrapedGauge(registry, {
    name: 'circuit_breaker_state',
    help: 'Circuit breaker state: 0 closed, 1 open, 2 half-open, 3 forced-open, 4 disabled',
    labelNames: ['name'],
  }).track(owner, { name }, stateCode);
  const transitions: Counter<'name' | 'from' | 'to'> = counter(registry, {
    name: 'circuit_breaker_transitions_total',
    help: 'Circuit breaker state transitions',
    labelNames: ['name', 'from', 'to'],
  });
  const calls = scrapedCounter(registry, {
    name: 'circuit_breaker_calls_total',
    help: 'Calls through a circuit breaker by outcome: success, failure, slow, rejected, timeout',
    labelNames: ['name', 'outcome'],
  });
  const tallies = {} as Record<CallOutcome, Tally>;
  for (const outcome of OUTCOMES) tallies[outcome] = calls.tally(outcome, () => ({ name, outcome }));
  return { calls: tallies, transitions };
}
