// Prometheus for a service: one Registry per service with the process metrics, and the lab's
// get-or-create helpers (@lab/metrics) re-exported, so a service registers metrics the way the
// libraries do and tests that build many apps on one registry never hit "already registered".
import { collectDefaultMetrics, Registry } from 'prom-client';

export { counter, gauge, histogram } from '@lab/metrics';
export { Registry };

/** A fresh registry with Node's default process metrics (CPU, heap, event-loop lag, GC). */
export function createRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  return registry;
}
