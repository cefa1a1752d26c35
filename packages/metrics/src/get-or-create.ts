// Get-or-create for prom-client metrics, the one way every package in the lab registers a metric.
// Tests and services build many caches, breakers, limiters and apps against one registry; the second
// instance must reuse the metric (its own label tells the series apart), not throw "already
// registered". A name taken by a metric of another type is a bug, so that still throws.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type MetricConfig<L extends string> = {
  name: string;
  help: string;
  labelNames: readonly L[];
  /** Runs at every scrape before values are read: hot paths count in plain numbers and flush here. */
  collect?: () => void;
};

type MetricClass<M> = abstract new (...args: never[]) => M;

function getOrCreate<M>(registry: Registry, kind: MetricClass<M>, name: string, create: () => M): M {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (!(existing instanceof kind)) throw new Error(`metric ${name} is already registered with another type`);
  return existing;
}

export function counter<L extends string>(registry: Registry, config: MetricConfig<L>): Counter<L> {
  return getOrCreate(
    registry,
    Counter<L>,
    config.name,
    () => new Counter<L>({ ...config, registers: [registry] }),
  );
}

export function gauge<L extends string>(registry: Registry, config: MetricConfig<L>): Gauge<L> {
  return getOrCreate(
    registry,
    Gauge<L>,
    config.name,
    () => new Gauge<L>({ ...config, registers: [registry] }),
  );
}

export function histogram<L extends string>(
  registry: Registry,
  config: MetricConfig<L> & { buckets?: number[] },
): Histogram<L> {
  return getOrCreate(
    registry,
    Histogram<L>,
    config.name,
    () => new Histogram<L>({ ...config, registers: [registry] }),
  );
}
