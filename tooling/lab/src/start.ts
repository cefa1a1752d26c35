// `npm start`: the whole lab on one machine without Docker. Brings up infra/local (Postgres,
// Redis, Kafka, Toxiproxy), starts every service's replicas on loopback, HAProxy in front and
// Prometheus beside, waits (bounded) until each answers, prints where everything is, and on
// Ctrl-C or `npm stop` drains and stops what it started.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  FRONT_DOOR_PORT,
  HAPROXY_STATS_PORT,
  KAFKA_LAG_PORT,
  type LabService,
  labServices,
  PROMETHEUS_PORT,
  replicaPort,
} from './catalogue.ts';
import {
  type Dependencies,
  labKafkaBrokers,
  labSecret,
  populateProxies,
  proxiedDatabaseUrl,
  proxiedRedisUrl,
  readDependencies,
} from './environment.ts';
import { renderHaproxyConfig } from './haproxy.ts';
import { waitForHaproxy } from './haproxy-stats.ts';
import { type LabProcess, startProcess, stopProcess, waitUntilReady } from './processes.ts';
import { renderPrometheusConfig } from './prometheus.ts';
import { rollingRestart } from './rolling-restart.ts';

const ROOT = new URL('../../../', import.meta.url);
const RUN = new URL('.lab/run/', ROOT);
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 30_000;

const { values: flags } = parseArgs({ options: { seed: { type: 'boolean', default: false } } });

function say(line: string): void {
  process.stdout.write(`lab: ${line}\n`);
}

/** Runs infra/local's idempotent `up`; returns whether the stack was already running before. */
function startInfrastructure(): boolean {
  const wasUp =
    spawnSync('bash', ['infra/local/stack.sh', 'status'], { cwd: ROOT, stdio: 'ignore' }).status === 0;
  say(
    wasUp ? 'infra/local already runs' : 'starting infra/local (first run installs packages; progress below)',
  );
  const up = spawnSync('bash', ['infra/local/stack.sh', 'up'], { cwd: ROOT, stdio: 'inherit' });
  if (up.status !== 0) throw new Error('infra/local did not come up (its output above names the dependency)');
  return wasUp;
}

/** What every service is started with, beyond its own settings. */
type LabContext = { deps: Dependencies; secret: string; kafkaBrokers: string };

function serviceEnv(service: LabService, replica: number, context: LabContext): Record<string, string> {
  const { deps, secret } = context;
  const lab = {
    frontDoor: `http://127.0.0.1:${FRONT_DOOR_PORT}`,
    providerSim: 'http://127.0.0.1:8085',
    notifications: 'http://127.0.0.1:8083',
  };
  return {
    PORT: String(replicaPort(service, replica)),
    OTEL_SERVICE_NAME: service.name,
    SERVICE_NAME: service.name,
    JWT_SECRET: secret,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    // HAProxy is the one proxy hop in front, on loopback.
    TRUST_PROXY: 'loopback',
    // Long enough for HAProxy's checks (every 1 s, down after 3, each up to 3 s) to take the
    // replica out of the pool before it stops listening.
    SHUTDOWN_DRAIN_MS: '6000',
    ...(service.database ? { DATABASE_URL: proxiedDatabaseUrl(deps, service.database) } : {}),
    ...(service.redis ? { REDIS_URL: proxiedRedisUrl() } : {}),
    ...(service.kafka ? { KAFKA_BROKERS: context.kafkaBrokers } : {}),
    ...service.env?.(lab),
  };
}

function startServices(services: LabService[], context: LabContext): LabProcess[] {
  return services.flatMap((service) =>
    Array.from({ length: service.replicas }, (_, replica) =>
      startProcess({
        name: `${service.name}/r${replica + 1}`,
        url: `http://127.0.0.1:${replicaPort(service, replica)}`,
        command: process.execPath,
        args: ['--import', '@lab/service-kit/tracing', `services/${service.name}/src/main.ts`],
        env: serviceEnv(service, replica, context),
        cwd: ROOT.pathname,
        logFile: new URL(`${service.name}-r${replica + 1}.log`, RUN).pathname,
      }),
    ),
  );
}

/** The consumer-lag exporter, when a service consumes Kafka (kafka-lag-exporter.ts says why). */
function startLagExporter(services: LabService[], deps: Dependencies): LabProcess[] {
  const consumers = services.filter((service) => service.kafka).map((service) => service.name);
  if (consumers.length === 0) return [];
  return [
    startProcess({
      name: 'kafka-lag',
      url: `http://127.0.0.1:${KAFKA_LAG_PORT}/metrics`,
      command: process.execPath,
      args: [
        'tooling/lab/src/kafka-lag-exporter.ts',
        deps.kafkaBrokers,
        String(KAFKA_LAG_PORT),
        ...consumers,
      ],
      cwd: ROOT.pathname,
      logFile: new URL('kafka-lag.log', RUN).pathname,
    }),
  ];
}

function startEdge(services: LabService[]): LabProcess[] {
  const haproxyCfg = new URL('haproxy.cfg', RUN).pathname;
  const prometheusYml = new URL('prometheus.yml', RUN).pathname;
  writeFileSync(haproxyCfg, renderHaproxyConfig(services, { runDir: RUN.pathname }));
  const rules = new URL('infra/prometheus/alerts.yml', ROOT).pathname;
  writeFileSync(prometheusYml, renderPrometheusConfig(services, { ruleFiles: [rules] }));
  return [
    startProcess({
      name: 'haproxy',
      url: `http://127.0.0.1:${FRONT_DOOR_PORT} (stats :${HAPROXY_STATS_PORT})`,
      command: 'haproxy',
      args: ['-db', '-f', haproxyCfg],
      cwd: RUN.pathname,
      logFile: new URL('haproxy.log', RUN).pathname,
    }),
    startProcess({
      name: 'prometheus',
      url: `http://127.0.0.1:${PROMETHEUS_PORT}`,
      command: 'prometheus',
      args: [
        `--config.file=${prometheusYml}`,
        `--storage.tsdb.path=${new URL('prometheus-data/', RUN).pathname}`,
        `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`,
        '--storage.tsdb.retention.time=2h',
      ],
      cwd: RUN.pathname,
      logFile: new URL('prometheus.log', RUN).pathname,
    }),
  ];
}

function readinessUrl(process: LabProcess): string {
  if (process.name === 'haproxy') return `http://127.0.0.1:${HAPROXY_STATS_PORT}/`;
  if (process.name === 'prometheus') return `http://127.0.0.1:${PROMETHEUS_PORT}/-/ready`;
  if (process.name === 'kafka-lag') return process.url;
  return `${process.url}/health/ready`;
}

async function waitForAll(processes: LabProcess[]): Promise<boolean> {
  const problems = await Promise.all(
    processes.map((p) => waitUntilReady(p, readinessUrl(p), READY_TIMEOUT_MS)),
  );
  for (const [i, p] of processes.entries()) {
    const problem = problems[i];
    say(`${problem ? 'DOWN ' : 'ready'}  ${p.name.padEnd(22)} ${p.url}${problem ? `  ${problem}` : ''}`);
  }
  if (problems.some((problem) => problem !== null)) return false;
  // Ready replicas serve through HAProxy only once its checks (rise 2) have marked them UP.
  const replicas = processes.map((p) => p.name.split('/')).filter((parts) => parts.length === 2);
  await Promise.all(
    replicas.map(([backend, server]) =>
      waitForHaproxy(backend as string, server as string, 'UP', READY_TIMEOUT_MS),
    ),
  );
  return true;
}

function seed(services: LabService[], context: LabContext): void {
  for (const service of services.filter((s) => s.seed)) {
    say(`seeding ${service.name}`);
    const run = spawnSync('npm', ['run', 'seed', '-w', `@lab/${service.name}`], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, ...serviceEnv(service, 0, context) },
    });
    if (run.status !== 0) say(`seeding ${service.name} failed (exit ${run.status}); the lab keeps running`);
  }
}

async function stopAll(processes: LabProcess[], infraWasUp: boolean): Promise<void> {
  say('stopping: services drain first, then HAProxy and Prometheus');
  const edge = processes.filter((p) => p.name === 'haproxy' || p.name === 'prometheus');
  await Promise.all(processes.filter((p) => !edge.includes(p)).map((p) => stopProcess(p, STOP_GRACE_MS)));
  await Promise.all(edge.map((p) => stopProcess(p, 5_000)));
  if (!infraWasUp) spawnSync('bash', ['infra/local/stack.sh', 'down'], { cwd: ROOT, stdio: 'inherit' });
  rmSync(new URL('lab.json', RUN), { force: true });
  say('stopped');
}

async function main(): Promise<void> {
  mkdirSync(RUN, { recursive: true });
  const infraWasUp = startInfrastructure();
  const deps = readDependencies(new URL('.lab/local.env', ROOT));
  await populateProxies(deps);
  const kafka = await labKafkaBrokers(deps);
  if (kafka.note) say(kafka.note);
  const context = { deps, secret: labSecret(new URL('.lab/lab.env', ROOT)), kafkaBrokers: kafka.brokers };
  const services = labServices(ROOT);
  const processes = [
    ...startServices(services, context),
    ...startLagExporter(services, deps),
    ...startEdge(services),
  ];
  writeFileSync(
    new URL('lab.json', RUN),
    JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }),
  );
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopAll(processes, infraWasUp).then(() => process.exit(0)));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // `npm run lab:restart` (SIGHUP): restart every replica in turn, as a deploy would.
  let restarting = false;
  process.on('SIGHUP', () => {
    if (restarting || stopping) return;
    restarting = true;
    rollingRestart(processes, say)
      .catch((error: Error) => say(`rolling restart failed: ${error.message}`))
      .finally(() => {
        restarting = false;
      });
  });
  const ready = await waitForAll(processes);
  if (!ready) {
    say('not everything came up (see the lines above and the logs in .lab/run/); stopping');
    await stopAll(processes, infraWasUp);
    process.exit(1);
  }
  if (flags.seed) seed(services, context);
  say(
    `lab is up: front door http://127.0.0.1:${FRONT_DOOR_PORT}, logs in .lab/run/. Ctrl-C or \`npm stop\` stops it.`,
  );
  for (const p of processes)
    void p.exited.then((how) => stopping || restarting || say(`${p.name} ended (${how}); see ${p.logFile}`));
}

await main();
