// The series check: after a bounded load through HAProxy with faults injected during it (Redis
// slowed and Postgres cut for a moment, then restored with `lab:fault`), Prometheus must hold every series
// a dashboard panel or an alert rule reads, label matchers included. Recording rules are checked
// through the base series their own expressions read. Series that need a service not present in
// this checkout, a branch not merged yet, or an event no load can cause are left out, by the
// rules in src/dashboards/series-requirements.ts, and reported.
import { alertExpressions } from '../src/dashboards/alert-rules.ts';
import { DASHBOARDS } from '../src/dashboards/catalog.ts';
import { exportedName, metricNamesOf, selectorsOf } from '../src/dashboards/metric-names.ts';
import { expressionsOf } from '../src/dashboards/panels.ts';
import { expectedIn } from '../src/dashboards/series-requirements.ts';

export type SeriesReport = { expected: string[]; missing: string[]; leftOut: string[] };

/** Every vector selector the dashboards and rules read, recording-rule names excluded. */
export function usedSelectors(): string[] {
  const expressions = [...DASHBOARDS.flatMap(expressionsOf), ...alertExpressions()];
  return [...new Set(expressions.flatMap(selectorsOf))].filter((selector) => !selector.includes(':'));
}

async function exists(prometheus: string, selector: string): Promise<boolean> {
  const query = `count(last_over_time(${selector}[15m]))`;
  const response = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as { status: string; data?: { result: unknown[] }; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${query}: ${body.error}`);
  return (body.data?.result.length ?? 0) > 0;
}

/**
 * Polls Prometheus (bounded) until every expected selector has a series: the last scrape after
 * the load may still be on its way. Returns what is still missing at the end.
 */
export async function checkSeries(
  prometheus: string,
  services: readonly string[],
  timeoutMs: number,
): Promise<SeriesReport> {
  const selectors = usedSelectors();
  const metricOf = (selector: string) => exportedName(metricNamesOf(selector)[0] ?? selector);
  const expected = selectors.filter((s) => expectedIn(metricOf(s), services));
  const leftOut = selectors.filter((s) => !expected.includes(s));
  let missing = expected;
  const deadline = Date.now() + timeoutMs;
  while (missing.length > 0 && Date.now() < deadline) {
    const found = await Promise.all(missing.map((selector) => exists(prometheus, selector)));
    missing = missing.filter((_, i) => !found[i]);
    if (missing.length > 0) await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  return { expected, missing, leftOut };
}
