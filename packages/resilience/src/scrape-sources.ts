// Pull-at-scrape metrics. A prom-client `labels().inc()` costs ~150-200 ns (it hashes the label set
// on every call), as much as a whole closed-breaker call. So hot components keep plain number fields
// and the registry pulls them at scrape time through a metric's `collect` hook.
// Sources are held through WeakRefs, so a dropped component can still be garbage-collected (a
// strong set of every instance was a memory leak in opossum, #363). The price: counts made since the
// last scrape by a component that was collected are lost; these components live as long as the
// client they guard, so in practice nothing is.
import type { Registry } from 'prom-client';

export type ScrapeSource<M> = { flushMetrics(metrics: M): void };

/** A component's metrics, plus `track` to have a source's counts pulled at every scrape. */
export type ScrapedMetrics<M> = M & { track(source: ScrapeSource<M>): void };

/**
 * Returns a get-or-create for one set of metrics per registry. `build` creates the metrics and passes
 * `collect` to those whose values come from the sources; a scrape then asks every live source to
 * write what changed since the last one.
 */
export function scrapedMetrics<M extends object>(
  build: (registry: Registry, collect: () => void) => M,
): (registry: Registry) => ScrapedMetrics<M> {
  const byRegistry = new WeakMap<Registry, ScrapedMetrics<M>>();
  return (registry) => {
    const cached = byRegistry.get(registry);
    if (cached) return cached;
    const sources = new Set<WeakRef<ScrapeSource<M>>>();
    const collect = () => {
      for (const ref of sources) {
        const source = ref.deref();
        if (source) source.flushMetrics(metrics);
        else sources.delete(ref);
      }
    };
    const metrics: ScrapedMetrics<M> = Object.assign(build(registry, collect), {
      track: (source: ScrapeSource<M>) => {
        sources.add(new WeakRef(source));
      },
    });
    byRegistry.set(registry, metrics);
    return metrics;
  };
}
