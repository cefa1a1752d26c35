// @lab/metrics: how the lab's packages register Prometheus metrics (get-or-create per registry).
export { counter, gauge, histogram, type MetricConfig } from './get-or-create.ts';
