// Suite `url-shortener`: what a redirect costs, side by side in one run (A B C ... rounds).
//   redirect          the service as `npm start` runs it (tracing preload; redirects traced 5 a
//                     second then 1 in 100; LOG_LEVEL=info, REDIRECT_LOG_SAMPLE=100, fast path
//                     on), warm L1: 1,000 codes, round-robin
//   bare-express      express 5 answering the same 302s from a constant in-memory map
//   node-http         node:http doing the same: the physical limit
//   redirect-express  the service with REDIRECT_FAST_PATH=false (redirects through express and
//                     service-kit's per-request middleware): does the fast path pay?
//   l2-only           the service with its L1 off: every redirect reads Redis
//   cold              every request a code never read before: Redis miss, lock, Postgres, fill
// Diagnostics, each the `redirect` service with one thing changed (ratios over `redirect`):
//   redirect-untraced   no tracing preload: what tracing costs
//   redirect-trace-all  REDIRECT_TRACE_RATIO=1, a recorded span for every redirect: what sampling saves
//   redirect-log-every  REDIRECT_LOG_SAMPLE=1, an access-log line per redirect: what logging costs
//   redirect-head       HEAD instead of GET on the same instance (no click emitted): what a click costs
//   redirect-dual-stack listening on :: (every interface, IPv6 and IPv4) instead of 127.0.0.1: what
//                       the kit's default listen address costs when clients arrive over IPv4
// Each service instance runs in its own process with the click aggregator off (clicks are still
// buffered and produced to Kafka on every GET: that is part of a redirect's cost); the aggregator
// would be its own deployment under such load. The ratio is redirect/bare-express (throughput,
// per round, higher is better).
// All servers start once and stay up for the whole run; while one is measured, every other one is
// paused (SIGSTOP, @lab/bench withOthersPaused), so each variant has the machine to itself and its
// load generator, not ten idle neighbours waking up for their timers and heartbeats.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  alternate,
  defineSuite,
  processCpuSeconds,
  type ResultRow,
  ratioOf,
  resultRow,
  summarize,
  withOthersPaused,
} from '@lab/bench';
import { createTestDatabase, createTestRedis, freePort, testDependencies, uniqueName } from '@lab/testkit';
import autocannon from 'autocannon';
import { deleteTopics } from '../test/topics.ts';

const DURATION_S = 2;
// 15 rounds, not 7: on this machine one round's ratio swings by ±0.1 (the host drifts within minutes),
// and seven of them left the median of a run 0.77-0.93 from run to run.
const ROUNDS = 15;
const CONNECTIONS = 50;
const WARM_CODES = 1_000;
const COLD_CODES = 250_000;
// BENCH_VARIANTS=a,b,... runs a subset (the first two are always redirect and bare-express).
const ALL_VARIANTS = [
  'redirect',
  'bare-express',
  'node-http',
  'redirect-express',
  'l2-only',
  'cold',
  'redirect-untraced',
  'redirect-log-every',
  'redirect-head',
  'redirect-trace-all',
  'redirect-dual-stack',
];
const VARIANTS = process.env.BENCH_VARIANTS
  ? [
      'redirect',
      'bare-express',
      ...process.env.BENCH_VARIANTS.split(',').filter((v) => ALL_VARIANTS.includes(v)),
    ]
  : ALL_VARIANTS;
const SERVICE_DIR = path.resolve(import.meta.dirname, '..');
const JWT_SECRET = 'bench-secret-of-at-least-32-characters-00';

type Child = { child: ChildProcess; base: string };

async function waitForPort(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const match = /^listening (\d+)$/.exec(line);
    if (match) return `http://127.0.0.1:${match[1]}`;
  }
  throw new Error('bench server exited before listening');
}

/**
 * BENCH_CPU_PROFILE_DIR=dir: every server process writes a V8 CPU profile there when it stops
 * (open it in Chrome DevTools or speedscope): where a redirect's time goes, next to a baseline's.
 */
function profileArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

async function startBaseline(kind: string, codesFile: string): Promise<Child> {
  const args = [...profileArgs(), path.join(import.meta.dirname, 'baselines.ts'), kind, codesFile];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { child, base: await waitForPort(child) };
}

/** The service as `npm start` runs it; its JSON log goes to a file, as it would to a collector. */
async function startService(env: Record<string, string>, logFile: string, tracing = true): Promise<Child> {
  const port = await freePort();
  const preload = tracing ? ['--import', '@lab/service-kit/tracing'] : [];
  const args = [...profileArgs(), ...preload, 'src/main.ts'];
  const child = spawn(process.execPath, args, {
    cwd: SERVICE_DIR,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', openSync(logFile, 'a'), 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i += 1) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}; see ${logFile}`);
    const ready = await fetch(`${base}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { child, base };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`service did not become ready; see ${logFile}`);
}

// Visitors as a real link sees them: many addresses (behind HAProxy, so in X-Forwarded-For, which
// the service trusts from loopback) and a handful of browsers. A click's visitor id is an HMAC of
// both, and the publisher reuses one within a batch, so traffic from a single client would make
// that work vanish; 50,000 addresses in turn never repeat within a batch (≤ 1,000 clicks). Every
// variant gets the same headers: the baselines parse and ignore them.
const VISITORS = 50_000;
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36',
];
let visitor = 0;
function visitorHeaders(): Record<string, string> {
  visitor = (visitor + 1) % VISITORS;
  return {
    'x-forwarded-for': `10.${(visitor >> 16) & 255}.${(visitor >> 8) & 255}.${visitor & 255}`,
    'user-agent': USER_AGENTS[visitor % USER_AGENTS.length] ?? '',
    referer: 'https://news.example.com/',
  };
}

/** autocannon over a list of paths (each connection takes the next), GET, 302 expected. */
async function load(base: string, nextPath: () => string, method: 'GET' | 'HEAD' = 'GET') {
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        method,
        setupRequest: (request) => ({ ...request, path: nextPath(), headers: visitorHeaders() }),
      },
    ],
  });
  const bad = result.non2xx - (result.statusCodeStats?.['302']?.count ?? 0);
  if (bad > 0 || result.errors > 0)
    throw new Error(`${base}: ${bad} non-302 answers, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, requests: result.requests.total };
}

export default defineSuite('url-shortener', async () => {
  const deps = await testDependencies();
  const db = await createTestDatabase('urlsh_bench');
  const redis = await createTestRedis('urlsh_bench');
  const topicPrefix = `${uniqueName('bench')}.`;
  const logFile = path.join(tmpdir(), `${uniqueName('url-shortener-bench')}.log`);
  const children: ChildProcess[] = [];
  try {
    const env = (extra: Record<string, string>) => ({
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      KAFKA_BROKERS: deps.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      JWT_SECRET,
      CLICK_AGGREGATOR: 'false',
      // Like the baselines: IPv4 loopback, not a dual-stack socket on every interface.
      HOST: '127.0.0.1',
      SHUTDOWN_DRAIN_MS: '0',
      ...extra,
    });
    const services: Record<string, Child> = {};
    services.redirect = await startService(env({}), logFile);
    children.push(services.redirect.child);
    // Links straight into the table (the API's rate limit and outbox are not what is measured).
    const warm = Array.from({ length: WARM_CODES }, (_, i) => [
      `w${String(i).padStart(6, '0')}`,
      `https://example.com/page/${i}`,
    ]);
    await db.pool.query(
      `INSERT INTO links (code, url, owner_id, tenant)
       SELECT code, url, 'bench', 'bench' FROM unnest($1::text[], $2::text[]) AS t(code, url)`,
      [warm.map(([code]) => code), warm.map(([, url]) => url)],
    );
    await db.pool.query(
      `INSERT INTO links (code, url, owner_id, tenant)
       SELECT 'c' || lpad(n::text, 7, '0'), 'https://example.com/cold/' || n, 'bench', 'bench'
       FROM generate_series(0, $1::int - 1) AS n`,
      [COLD_CODES],
    );
    for (const [name, extra, tracing] of [
      ['redirect-express', { REDIRECT_FAST_PATH: 'false' }, true],
      ['l2-only', { LINK_CACHE_L1: 'false' }, true],
      ['cold', {}, true],
      // Diagnostics: what tracing and the access log cost a redirect (README, "What a redirect costs").
      ['redirect-untraced', {}, false],
      ['redirect-log-every', { REDIRECT_LOG_SAMPLE: '1' }, true],
      ['redirect-trace-all', { REDIRECT_TRACE_RATIO: '1' }, true],
      ['redirect-dual-stack', { HOST: '::' }, true],
    ] as const) {
      if (!VARIANTS.includes(name)) continue;
      services[name] = await startService(env(extra), logFile, tracing);
      children.push(services[name].child);
    }
    const codesFile = path.join(tmpdir(), `${uniqueName('codes')}.json`);
    writeFileSync(codesFile, JSON.stringify(warm));
    for (const kind of ['bare-express', 'node-http']) {
      if (!VARIANTS.includes(kind)) continue;
      services[kind] = await startBaseline(kind, codesFile);
      children.push(services[kind].child);
    }

    let warmIndex = 0;
    const warmPath = () => `/${warm[warmIndex++ % WARM_CODES]?.[0]}`;
    let coldIndex = 0;
    const coldPath = () => `/c${String(coldIndex++ % COLD_CODES).padStart(7, '0')}`;
    const variants = VARIANTS;
    const p99 = new Map<string, number[]>(variants.map((name) => [name, []]));
    // The server's own CPU per request (user + system, from /proc): unlike throughput it does not
    // depend on what else the machine runs, so it shows where a gap comes from even when noisy.
    const cpuPerRequest = new Map<string, number[]>(variants.map((name) => [name, []]));
    const measured = await alternate(
      variants.map((name) => ({
        name,
        async measure() {
          const base = services[name]?.base ?? '';
          // redirect-head: the same redirect without a click (HEAD is not counted): the click's cost.
          const base2 = name === 'redirect-head' ? (services.redirect?.base ?? '') : base;
          const method = name === 'redirect-head' ? 'HEAD' : 'GET';
          const server = name === 'redirect-head' ? services.redirect : services[name];
          const others = children.flatMap((child) =>
            child !== server?.child && child.pid !== undefined ? [child.pid] : [],
          );
          const { result, cpuBefore, cpuAfter } = await withOthersPaused(others, async () => ({
            cpuBefore: processCpuSeconds(server?.child.pid),
            result: await load(base2, name === 'cold' ? coldPath : warmPath, method),
            cpuAfter: processCpuSeconds(server?.child.pid),
          }));
          p99.get(name)?.push(result.p99);
          if (cpuBefore !== undefined && cpuAfter !== undefined && result.requests > 0)
            cpuPerRequest.get(name)?.push(((cpuAfter - cpuBefore) * 1e6) / result.requests);
          return result.rps;
        },
      })),
      { rounds: ROUNDS, warmupRounds: 1 },
    );
    if (coldIndex > COLD_CODES) console.warn('cold codes wrapped around: the cold row includes cached reads');

    const results: ResultRow[] = [];
    for (const name of variants) {
      const throughput = measured.get(name);
      if (!throughput) throw new Error(`missing variant ${name}`);
      results.push(resultRow(name, 'throughput', 'req/s', throughput));
      results.push({ name, metric: 'p99', unit: 'ms', ...summarize(p99.get(name) ?? []) });
      const cpu = cpuPerRequest.get(name) ?? [];
      // The ratelimit suite's name and unit for the same measurement.
      if (cpu.length > 0)
        results.push({ name, metric: 'server-cpu-per-request', unit: 'us', ...summarize(cpu) });
    }
    const variant = (name: string) => {
      const found = measured.get(name);
      if (!found) throw new Error(`missing variant ${name}`);
      return { ...found, name };
    };
    const ratios = [ratioOf('redirect/bare-express', variant('redirect'), variant('bare-express'))];
    for (const name of variants.slice(2)) {
      const over = name.startsWith('redirect-') ? 'redirect' : 'bare-express';
      ratios.push(ratioOf(`${name}/${over}`, variant(name), variant(over)));
    }
    return { results, ratios };
  } finally {
    for (const child of children) {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
    await deleteTopics(deps.kafkaBrokers, topicPrefix);
    await redis.cleanup();
    await db.drop();
  }
});
