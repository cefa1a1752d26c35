// Pull-at-scrape metrics. A prom-client `labels().inc()` costs ~150-200 ns (it hashes the label set
// on every call), as much as a whole closed-breaker call. So hot components keep plain number fields
// and the registry pulls them at scrape time through a metric's `collect` hook.
// Sources are held through WeakRefs, so a dropped component can still be garbage-collected (a
// strong set of every instance was a memory leak in opossum, #363). The price: counts made since the
// last scrape by a component that was collected are lost; these components live as long as the
// client they guard, so in practice nothing is.
export type ScrapeSource<M> = { flushMetrics(metrics: M): void };

export type ScrapeSources<M> = {
  add(source: ScrapeSource<M>): void;
  /** Asks every live source to write its counts since the last flush into `metrics`. */
  flushAll(metrics: M): void;
};

export function scrapeSources<M>(): ScrapeSources<M> {
  const sources = new Set<WeakRef<ScrapeSource<M>>>();
  return {
    add(source) {
      sources.add(new WeakRef(source));
    },
    flushAll(metrics) {
      for (const ref of sources) {
        const source = ref.deref();
        if (source) source.flushMetrics(metrics);
        else sources.delete(ref);
      }
    },
  };
}
