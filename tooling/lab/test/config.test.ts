// The rendered HAProxy and Prometheus configurations: valid for the real tools (`haproxy -c`,
// `promtool check config`), and consistent with the service catalogue.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { allLabServices, replicaPort } from '../src/catalogue.ts';
import { COMPOSE_CONFIGS } from '../src/compose-configs.ts';
import { renderHaproxyConfig } from '../src/haproxy.ts';
import { renderPrometheusConfig } from '../src/prometheus.ts';

const dir = mkdtempSync(join(tmpdir(), 'lab-config-'));
const services = [...allLabServices()];
const alerts = new URL('../../../infra/prometheus/alerts.yml', import.meta.url).pathname;

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  assert.equal(result.error, undefined, `${command} must be installed (infra/local installs it)`);
  return result;
}

describe('lab configuration', () => {
  it('renders an HAProxy config that haproxy -c accepts, for every service and for none', () => {
    for (const [label, list] of [
      ['all', services],
      ['none', []],
    ] as const) {
      const file = join(dir, `haproxy-${label}.cfg`);
      writeFileSync(file, renderHaproxyConfig([...list], { runDir: dir }));
      const check = run('haproxy', ['-c', '-f', file]);
      assert.equal(check.status, 0, `${label}: ${check.stdout}${check.stderr}`);
    }
  });

  it('routes each prefix of DESIGN.md to its service, and everything else to the URL shortener', () => {
    const config = renderHaproxyConfig(services, { runDir: dir });
    const routeOf = (path: string) =>
      services.find((service) => service.routes.some((pattern) => new RegExp(pattern).test(path)))?.name ??
      'url-shortener (default)';
    assert.equal(routeOf('/v1/urls/abc'), 'url-shortener');
    assert.equal(routeOf('/v1/check'), 'rate-limiter');
    assert.equal(routeOf('/v1/tenants/acme'), 'rate-limiter');
    assert.equal(routeOf('/v1/users/alice/contacts'), 'notifications');
    assert.equal(routeOf('/v1/feed'), 'feed');
    assert.equal(routeOf('/v1/follows/bob'), 'feed');
    assert.equal(routeOf('/aZ3x9Qk'), 'url-shortener (default)');
    assert.equal(routeOf('/v1/checkout'), 'url-shortener (default)', 'a prefix ends at a slash');
    assert.match(config, /default_backend url-shortener/);
    for (const service of services) {
      for (let i = 0; i < service.replicas; i++) {
        assert.ok(config.includes(`127.0.0.1:${replicaPort(service, i)} check`), `${service.name} r${i + 1}`);
      }
    }
  });

  it('lets only HAProxy set X-Forwarded-For: the client header is deleted on every frontend', () => {
    const config = renderHaproxyConfig(services, { runDir: dir });
    const frontends = config
      .split(/\n(?=frontend )/)
      .filter((block) => block.startsWith('frontend ') && !block.startsWith('frontend stats'));
    assert.equal(frontends.length, services.length + 1);
    for (const block of frontends) assert.match(block, /del-header x-forwarded-for\n\s+option forwardfor/);
  });

  it('renders a Prometheus config promtool accepts, scraping every replica directly', () => {
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, renderPrometheusConfig(services, { ruleFiles: [alerts] }));
    const check = run('promtool', ['check', 'config', file]);
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    const replicas = services.reduce((sum, service) => sum + service.replicas, 0);
    assert.equal(
      renderPrometheusConfig(services, { ruleFiles: [] }).match(/targets: \["127\.0\.0\.1:\d+"\]\n\s+labels/g)
        ?.length,
      replicas,
    );
  });

  it('keeps the alert rules valid', () => {
    const check = run('promtool', ['check', 'rules', alerts]);
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  });

  it('keeps the committed compose configurations identical to the catalogue (npm run lab:configs)', () => {
    for (const [path, render] of Object.entries(COMPOSE_CONFIGS)) {
      const committed = readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
      assert.equal(committed, render(), `${path} is stale: run npm run lab:configs`);
    }
    const haproxy = run('haproxy', [
      '-c',
      '-f',
      new URL('../../../infra/haproxy/haproxy.cfg', import.meta.url).pathname,
    ]);
    assert.equal(haproxy.status, 0, `${haproxy.stdout}${haproxy.stderr}`);
  });
});
