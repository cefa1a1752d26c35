// The Grafana dashboards and alert rules, checked without Grafana: the committed JSON is what the
// typed builders produce, panel ids are unique, every expression is valid PromQL (promtool), and
// every metric they read is one the lab's code exports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { alertExpressions, recordedNames } from '../src/dashboards/alert-rules.ts';
import { DASHBOARDS } from '../src/dashboards/catalog.ts';
import { exportedName, metricNamesOf, selectorsOf } from '../src/dashboards/metric-names.ts';
import { buildDashboard, expressionsOf } from '../src/dashboards/panels.ts';
import { PENDING_METRICS } from '../src/dashboards/series-requirements.ts';

const ROOT = new URL('../../../', import.meta.url);

function sourceFiles(dir: URL): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(
      (entry) =>
        entry.isFile() &&
        entry.name.endsWith('.ts') &&
        !entry.parentPath.includes('node_modules') &&
        // The dashboards name metrics; they must not count as the code that exports them.
        !entry.parentPath.includes('dashboards') &&
        !entry.parentPath.endsWith('/test'),
    )
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
}

/** Everything that can export a metric: libraries, services, and the lab's own exporters. */
function exportingCode(): string {
  return [
    ...sourceFiles(new URL('packages/', ROOT)),
    ...sourceFiles(new URL('services/', ROOT)),
    ...sourceFiles(new URL('tooling/', ROOT)),
  ].join('\n');
}

function usedSeries(): Set<string> {
  return new Set([...DASHBOARDS.flatMap(expressionsOf), ...alertExpressions()].flatMap(metricNamesOf));
}

describe('dashboards and alerts', () => {
  it('finds the metric names in an expression, and only those', () => {
    assert.deepEqual(
      metricNamesOf(
        'sum by (service) (rate(foo_total{a="b",c=~"x|y"}[1m])) / ignoring(layer) group_left max(bar) > 0.5 * 2',
      ),
      ['foo_total', 'bar'],
    );
    assert.deepEqual(metricNamesOf('service:http_error_ratio:rate1h > 14.4 * 0.005 and up == 1'), [
      'service:http_error_ratio:rate1h',
      'up',
    ]);
    assert.equal(exportedName('http_request_duration_seconds_bucket'), 'http_request_duration_seconds');
    assert.deepEqual(
      selectorsOf('sum(rate(a_total{x="1"}[1m])) / sum(rate(a_total[1m])) + b_total{y=~"2|3"} * ab_total'),
      ['a_total{x="1"}', 'a_total', 'b_total{y=~"2|3"}', 'ab_total'],
    );
  });

  it('commits exactly what the builders produce (npm run lab:dashboards)', () => {
    for (const dashboard of DASHBOARDS) {
      const committed = JSON.parse(
        readFileSync(new URL(`infra/grafana/dashboards/${dashboard.uid}.json`, ROOT), 'utf8'),
      );
      assert.deepEqual(committed, JSON.parse(JSON.stringify(buildDashboard(dashboard))), dashboard.uid);
    }
  });

  it('gives every panel a unique id and every query a datasource', () => {
    for (const dashboard of DASHBOARDS) {
      const model = buildDashboard(dashboard) as {
        panels: { id: number; datasource?: unknown; type: string }[];
      };
      const ids = model.panels.map((panel) => panel.id);
      assert.equal(new Set(ids).size, ids.length, `${dashboard.uid}: duplicate panel ids`);
      for (const panel of model.panels.filter((p) => p.type !== 'row'))
        assert.ok(panel.datasource, `${dashboard.uid}`);
    }
  });

  it('has only valid PromQL (each expression checked by promtool as a recording rule)', () => {
    const expressions = DASHBOARDS.flatMap(expressionsOf);
    const rules = expressions.map(
      (expr, i) => `      - record: dashboard_check_${i}\n        expr: ${JSON.stringify(expr)}`,
    );
    const file = join(mkdtempSync(join(tmpdir(), 'lab-promql-')), 'rules.yml');
    writeFileSync(file, `groups:\n  - name: dashboards\n    rules:\n${rules.join('\n')}\n`);
    const check = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    assert.equal(check.error, undefined, 'promtool must be installed (infra/local installs it)');
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  });

  it('reads only metrics the code exports (or HAProxy exports, or a recording rule defines)', () => {
    const code = exportingCode();
    const recorded = recordedNames();
    const used = usedSeries();
    assert.ok(used.size > 10, 'the scanner found the metrics');
    for (const series of used) {
      if (series.startsWith('haproxy_') || recorded.has(series) || series in PENDING_METRICS) continue;
      assert.ok(
        code.includes(`'${exportedName(series)}'`),
        `${series}: no code exports ${exportedName(series)}`,
      );
    }
  });

  it('lists as pending only metrics a dashboard or rule uses and no code on this branch exports yet', () => {
    const code = exportingCode();
    const used = usedSeries();
    for (const [metric, branch] of Object.entries(PENDING_METRICS)) {
      assert.ok(
        used.has(metric),
        `${metric} is pending but nothing reads it: remove it from PENDING_METRICS`,
      );
      assert.ok(
        !code.includes(`'${metric}'`),
        `${metric} is exported now (${branch} was merged): remove it from PENDING_METRICS`,
      );
    }
  });
});
