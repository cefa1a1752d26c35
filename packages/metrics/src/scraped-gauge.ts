// A gauge read at scrape time: the value lives in the component (a breaker's state, a bulkhead's
// calls in flight) and is copied into the gauge when Prometheus scrapes, through its `collect`
// hook, so the component's own code never touches prom-client. The companion of
// scraped-counter.ts, for levels rather than counts.
//
// The gauge holds each owner through a WeakRef and `read` receives the owner as its argument: a
// `read` that captured the owner itself would be held by the gauge, and through it the owner, for
// the registry's life. Once an owner is collected its series keeps the last value read.
import type { Gauge, Registry } from 'prom-client';
import { gauge, type MetricConfig } from './get-or-create.ts';
import { scrapeState } from './scrape-state.ts';

export type GaugeReadings<L extends string> = {
  /**
   * From now on, every scrape sets the series `labels` to `read(owner)`, for as long as `owner`
   * lives. `read` must not capture `owner` (it gets it as its argument). The series is set once
   * now as well, so it exists before the first scrape.
   */
  track<O extends object>(owner: O, labels: Record<L, string>, read: (owner: O) => number): void;
  readonly gauge: Gauge<L>;
};

type Reading = { owner: WeakRef<object>; labels: Record<string, string>; read: (owner: object) => number };
type Readings = Set<Reading>;

const readingsOf = new WeakMap<Gauge<string>, Readings>();

function refresh(target: Gauge<string>, readings: Readings): void {
  for (const reading of readings) {
    const owner = reading.owner.deref();
    if (owner === undefined) readings.delete(reading);
    else target.set(reading.labels, reading.read(owner));
  }
}

/** Readings on the gauge `config.name` of `registry` (created on first use, shared after). */
export function scrapedGauge<L extends string>(
  registry: Registry,
  config: Omit<MetricConfig<L>, 'collect'>,
): GaugeReadings<L> {
  const { metric, state: readings } = scrapeState<Gauge<string>, Readings>(
    registry,
    config,
    readingsOf,
    () => new Set(),
    (collect) => gauge(registry, { ...config, collect }) as Gauge<string>,
    refresh,
  );
  return {
    gauge: metric as Gauge<L>,
    track(owner, labels, read) {
      metric.set(labels, read(owner));
      readings.add({ owner: new WeakRef(owner), labels, read: read as (owner: object) => number });
    },
  };
}
