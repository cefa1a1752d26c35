// The Grafana dashboards and alert rules, checked without Grafana: the committed JSON is what the
// typed builders produce, panel ids are unique, every expression is valid PromQL (promtool), and
// every metric they read is one the lab's code exports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DASHBOARDS } from '../src/dashboards/catalog.ts';
import { exportedName, metricNamesOf } from '../src/dashboards/metric-names.ts';
import { buildDashboard, expressionsOf } from '../src/dashboards/panels.ts';

const ROOT = new URL('../../../', import.meta.url);
const ALERTS = new URL('infra/prometheus/alerts.yml', ROOT);

function sourceFiles(dir: URL): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(
      (entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.parentPath.includes('node_modules'),
    )
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
}

function alertExpressions(): string[] {
  return [...readFileSync(ALERTS, 'utf8').matchAll(/expr: (\|\n((?:\s{10}.*\n)+)|.*)/g)].map((m) =>
    (m[2] ?? m[1] ?? '').trim(),
  );
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
    const code = [
      ...sourceFiles(new URL('packages/', ROOT)),
      ...sourceFiles(new URL('services/', ROOT)),
    ].join('\n');
    const recorded = new Set([...readFileSync(ALERTS, 'utf8').matchAll(/record: (\S+)/g)].map((m) => m[1]));
    const used = [...DASHBOARDS.flatMap(expressionsOf), ...alertExpressions()].flatMap(metricNamesOf);
    assert.ok(used.length > 10, 'the scanner found the metrics');
    for (const series of new Set(used)) {
      if (series.startsWith('haproxy_') || recorded.has(series)) continue;
      assert.ok(
        code.includes(`'${exportedName(series)}'`),
        `${series}: no code exports ${exportedName(series)}`,
      );
    }
  });
});
