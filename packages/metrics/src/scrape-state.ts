// The state a scrape-time metric keeps per registered metric (the tallies of a counter, the owners
// of a gauge), and the collect hook that reads it. Shared by scraped-counter.ts and scraped-gauge.ts.
//
// Why the hook is built here, in a function of its own: V8 gives all closures created in one scope a
// single shared context. If the collect closure were created in the same scope as a component's
// own state (its tallies, its group), the metric, which lives as long as the registry, would hold
// that state through the shared context: the first component on a counter leaked, and its
// neighbours' state was reachable only weakly and could vanish. Here the closure sees only the
// metric's state.
import type { Registry } from 'prom-client';
import type { MetricConfig } from './get-or-create.ts';

/**
 * The metric `config.name` of `registry` and its scrape-time state, both created on first use and
 * shared after. `create` registers the metric with the collect hook it is given; `states` remembers
 * which metrics were made this way, so a same-named metric registered without the hook (which would
 * silently never be brought up to date) is refused.
 */
export function scrapeState<M extends object, S>(
  registry: Registry,
  config: Omit<MetricConfig<string>, 'collect'>,
  states: WeakMap<M, S>,
  fresh: () => S,
  create: (collect: () => void) => M,
  onScrape: (metric: M, state: S) => void,
): { metric: M; state: S } {
  const existing = registry.getSingleMetric(config.name) as M | undefined;
  if (existing !== undefined) {
    const state = states.get(existing);
    if (state === undefined) {
      throw new Error(`metric ${config.name} is already registered, but not as a scrape-time metric`);
    }
    return { metric: existing, state };
  }
  const state = fresh();
  const metric: M = create(() => onScrape(metric, state));
  states.set(metric, state);
  return { metric, state };
}
