// Prometheus metrics helpers shared by every piece of the kit: one Registry per service, and a
// get-or-create so tests that build many apps on one registry never hit "already registered".
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export { Registry };

/** A fresh registry with Node's default process metrics (CPU, heap, event-loop lag, GC). */
export function createRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  return registry;
}

type MetricClass<T> = new (config: never) => T;

function getOrCreate<T>(registry: Registry, Kind: MetricClass<T>, config: { name: string }): T {
  const existing = registry.getSingleMetric(config.name);
  if (existing) {
    if (!(existing instanceof (Kind as unknown as new (...args: never[]) => object))) {
      throw new Error(`metric ${config.name} is already registered with another type`);
    }
    return existing as T;
  }
  return new Kind({ ...config, registers: [registry] } as never);
}

export function histogram<L extends string>(
  registry: Registry,
  config: { name: string; help: string; labelNames: readonly L[]; buckets?: number[] },
): Histogram<L> {
  return getOrCreate(registry, Histogram<L>, config);
}

export function counter<L extends string>(
  registry: Registry,
  config: { name: string; help: string; labelNames: readonly L[] },
): Counter<L> {
  return getOrCreate(registry, Counter<L>, config);
}

export function gauge<L extends string>(
  registry: Registry,
  config: { name: string; help: string; labelNames: readonly L[] },
): Gauge<L> {
  return getOrCreate(registry, Gauge<L>, config);
}
