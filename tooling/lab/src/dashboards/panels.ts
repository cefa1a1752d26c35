// Small builders over Grafana's Apache-licensed schema SDK: every lab panel is a Prometheus time
// series with a unit, so each dashboard file reads as a list of questions and the PromQL that
// answers them. The SDK types the JSON Grafana loads, which is how the dashboards are kept valid
// on machines where Grafana (AGPL) cannot run.
import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

const PROMETHEUS = { type: 'prometheus', uid: 'prometheus' };

export type Query = { expr: string; legend: string };
export type Panel = { title: string; unit: string; queries: Query[]; description?: string };
export type Row = { title: string; panels: Panel[] };
export type Dashboard = { uid: string; title: string; description: string; rows: Row[] };

function panel(spec: Panel): PanelBuilder {
  const builder = new PanelBuilder()
    .title(spec.title)
    .unit(spec.unit)
    .datasource(PROMETHEUS)
    .height(8)
    .span(12);
  if (spec.description) builder.description(spec.description);
  for (const [i, query] of spec.queries.entries()) {
    builder.withTarget(
      new DataqueryBuilder()
        .expr(query.expr)
        .legendFormat(query.legend)
        .refId(String.fromCharCode(65 + i)),
    );
  }
  return builder;
}

/** The Grafana JSON model of a dashboard, with panel ids numbered in order. */
export function buildDashboard(spec: Dashboard): object {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['system-design-lab'])
    .refresh('5s')
    .time({ from: 'now-30m', to: 'now' })
    .timezone('browser');
  let id = 1;
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title).id(id++));
    for (const spec of row.panels) builder.withPanel(panel(spec).id(id++));
  }
  return builder.build();
}

/** Every PromQL expression of a dashboard, for the promtool and series checks. */
export function expressionsOf(spec: Dashboard): string[] {
  return spec.rows.flatMap((row) => row.panels.flatMap((panel) => panel.queries.map((query) => query.expr)));
}
