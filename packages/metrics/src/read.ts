// Reading a metric back, as a test or a health report does: the sum of the series whose labels match.
import type { Registry } from 'prom-client';

/**
 * Sum of `name`'s series whose labels include `labels` (0 when the metric or the series does not
 * exist yet). For a histogram, `series` picks one of its series, e.g. `outbox_batch_size_count`.
 */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
  series = name,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((value) => ((value as { metricName?: string }).metricName ?? name) === series)
    .filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}
