// `npm run lab:dashboards`: rewrites infra/grafana/dashboards/*.json from the catalogue.
import { writeFileSync } from 'node:fs';
import { DASHBOARDS } from './dashboards/catalog.ts';
import { buildDashboard } from './dashboards/panels.ts';

const folder = new URL('../../../infra/grafana/dashboards/', import.meta.url);
for (const dashboard of DASHBOARDS) {
  writeFileSync(
    new URL(`${dashboard.uid}.json`, folder),
    `${JSON.stringify(buildDashboard(dashboard), null, 2)}\n`,
  );
  console.log(`wrote infra/grafana/dashboards/${dashboard.uid}.json`);
}
