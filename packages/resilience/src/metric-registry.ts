// Get-or-create for prom-client metrics. Tests and services create many breakers, bulkheads and
// clients against one registry; the second one must reuse the metric, not throw "already registered".
import { Counter, Gauge, Histogram, type Registry, register } from 'prom-client';

type MetricClass<M> = new (config: never) => M;

function getOrCreate<M>(kind: MetricClass<M>, registry: Registry, name: string, create: () => M): M {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (!(existing instanceof kind)) throw new Error(`metric ${name} already exists with another type`);
  return existing as M;
}

export function counter<L extends string>(
  registry: Registry = register,
  config: { name: string; help: string; labelNames: readonly L[]; collect?: () => void },
): Counter<L> {
  return getOrCreate(
    Counter,
    registry,
    config.name,
    () => new Counter<L>({ ...config, registers: [registry] }),
  );
}

export function gauge<L extends string>(
  registry: Registry = register,
  config: { name: string; help: string; labelNames: readonly L[]; collect?: () => void },
): Gauge<L> {
  return getOrCreate(Gauge, registry, config.name, () => new Gauge<L>({ ...config, registers: [registry] }));
}

export function histogram<L extends string>(
  registry: Registry = register,
  config: { name: string; help: string; labelNames: readonly L[]; buckets: number[] },
): Histogram<L> {
  return getOrCreate(
    Histogram,
    registry,
    config.name,
    () => new Histogram<L>({ ...config, registers: [registry] }),
  );
}
