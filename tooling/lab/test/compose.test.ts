// docker compose cannot run on the lab's CI machines (no Docker engine), so the compose file is
// kept correct by checks that need no engine: the Compose Specification's own resolver
// (compose-go's CLI, which exits 1 on an invalid file), then cross-checks against the code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { allLabServices } from '../src/catalogue.ts';
import { replicaAddress } from '../src/haproxy.ts';

const ROOT = new URL('../../../', import.meta.url);
const CACHE = process.env.LAB_CACHE_DIR ?? `${process.env.HOME}/.cache/system-design-lab`;
// compose-go v2.17 needs a newer Go than these machines' 1.26; v2.16.0 builds.
const COMPOSE_GO = 'github.com/compose-spec/compose-go/v2/cmd@v2.16.0';
const GOBIN = `${CACHE}/compose-go/v2.16.0`;

type ComposeService = {
  mem_limit?: string;
  profiles?: string[];
  environment?: Record<string, string | null>;
  build?: { context: string; dockerfile: string };
  ports?: { target: number; published?: string }[];
};
let compose: { services: Record<string, ComposeService> };

function installResolver(): string {
  const binary = `${GOBIN}/cmd`;
  if (existsSync(binary)) return binary;
  const go = ['go', '/usr/local/go/bin/go'].find(
    (candidate) => spawnSync(candidate, ['version']).status === 0,
  );
  assert.ok(go, 'Go is needed to build compose-go (infra/local needs it too, for Toxiproxy)');
  const built = spawnSync(go, ['install', COMPOSE_GO], { env: { ...process.env, GOBIN }, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  return binary;
}

describe('docker-compose.yml', () => {
  before(() => {
    const resolved = spawnSync(installResolver(), ['-format', 'json', 'docker-compose.yml'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, JWT_SECRET: '', PROVIDER_API_KEY: '', WEBHOOK_SECRET: '' },
    });
    assert.equal(resolved.status, 0, `compose-go refused the file:\n${resolved.stderr}`);
    compose = JSON.parse(resolved.stdout);
  });

  it('has a container for every replica HAProxy and Prometheus address, on the port they use', () => {
    for (const service of allLabServices()) {
      for (let i = 0; i < service.replicas; i++) {
        const [host, port] = replicaAddress(service, i, 'compose').split(':');
        const container = compose.services[host as string];
        assert.ok(container, `compose has no ${host}`);
        assert.equal(container.environment?.PORT, port, `${host} listens on ${port}`);
      }
    }
  });

  it("sets every variable each service's config requires, and every one it names exists in the schema", async () => {
    for (const service of allLabServices()) {
      const configFile = new URL(`services/${service.name}/src/config.ts`, ROOT);
      if (!existsSync(configFile)) continue; // not built yet in this checkout
      const { configSchema } = (await import(configFile.href)) as {
        configSchema: { shape: Record<string, { safeParse(value: unknown): { success: boolean } }> };
      };
      const required = Object.entries(configSchema.shape)
        .filter(([, field]) => !field.safeParse(undefined).success)
        .map(([name]) => name);
      for (let i = 0; i < service.replicas; i++) {
        const host = replicaAddress(service, i, 'compose').split(':')[0] as string;
        const env = compose.services[host]?.environment ?? {};
        for (const name of required) assert.ok(env[name], `${host} needs ${name}`);
        const parsed = (
          configSchema as unknown as { safeParse(v: unknown): { success: boolean; error?: unknown } }
        ).safeParse(env);
        assert.ok(parsed.success, `${host}'s environment must parse: ${String(parsed.error)}`);
      }
    }
  });

  it("sends every service's Postgres, Redis and Kafka traffic through a Toxiproxy proxy", () => {
    const proxies = JSON.parse(readFileSync(new URL('infra/toxiproxy/toxiproxy.json', ROOT), 'utf8')) as {
      name: string;
      listen: string;
      upstream: string;
    }[];
    const listenOf = (name: string) => {
      const proxy = proxies.find((p) => p.name === name);
      assert.ok(proxy, `infra/toxiproxy/toxiproxy.json has ${name}`);
      return `toxiproxy:${proxy.listen.split(':')[1]}`;
    };
    const kafka = compose.services.kafka?.environment ?? {};
    // The broker's LAB listener is the proxy's upstream, and it advertises the proxy's address, so
    // clients that bootstrap there keep every later connection on the proxy.
    assert.match(
      String(kafka.KAFKA_LISTENERS),
      new RegExp(`LAB://:${proxies.find((p) => p.name === 'lab-kafka')?.upstream.split(':')[1]}`),
    );
    assert.match(String(kafka.KAFKA_ADVERTISED_LISTENERS), new RegExp(`LAB://${listenOf('lab-kafka')}`));
    for (const service of allLabServices()) {
      for (let i = 0; i < service.replicas; i++) {
        const host = replicaAddress(service, i, 'compose').split(':')[0] as string;
        const env = compose.services[host]?.environment ?? {};
        if (service.kafka) assert.equal(env.KAFKA_BROKERS, listenOf('lab-kafka'), host);
        if (service.redis) assert.equal(env.REDIS_URL, `redis://${listenOf('lab-redis')}`, host);
        if (service.database)
          assert.match(String(env.DATABASE_URL), new RegExp(`@${listenOf('lab-postgres')}/`), host);
      }
    }
  });

  it('builds each service present in this checkout from a Dockerfile that exists', () => {
    let checked = 0;
    for (const [name, service] of Object.entries(compose.services)) {
      if (!service.build) continue;
      // A service still on its branch has no folder here yet; its Dockerfile comes with it.
      const folder = service.build.dockerfile.match(/^services\/([^/]+)\//)?.[1];
      if (folder && !existsSync(new URL(`services/${folder}/src/main.ts`, ROOT))) continue;
      checked += 1;
      const dockerfile = new URL(service.build.dockerfile, `file://${service.build.context}/`);
      assert.ok(existsSync(dockerfile), `${name}: ${service.build.dockerfile} is missing`);
    }
    assert.ok(checked > 0, 'at least one service is built here');
  });

  it('limits the memory of every container, and the README states the totals', () => {
    const mib = (limit: string) => Number(limit.slice(0, -1)) * (limit.endsWith('g') ? 1024 : 1);
    let always = 0;
    let optional = 0;
    for (const [name, service] of Object.entries(compose.services)) {
      assert.match(service.mem_limit ?? '', /^\d+[mg]$/, `${name} has a mem_limit`);
      if (service.profiles?.length) optional += mib(service.mem_limit as string);
      else always += mib(service.mem_limit as string);
    }
    const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
    const stated = (n: number) => `${n.toLocaleString('en-US')} MiB`;
    assert.ok(readme.includes(stated(always)), `README states ${stated(always)} without profiles`);
    assert.ok(
      readme.includes(stated(always + optional)),
      `README states ${stated(always + optional)} with them`,
    );
  });

  it('publishes the ports DESIGN.md gives', () => {
    const published = new Set(
      Object.values(compose.services).flatMap((service) =>
        (service.ports ?? []).map((port) => Number(port.published)),
      ),
    );
    for (const port of [8080, 8081, 8082, 8083, 8084, 8085, 8404, 9090, 16686, 8025, 8474, 5432, 6379]) {
      assert.ok(published.has(port), `port ${port}`);
    }
  });
});
