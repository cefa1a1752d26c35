// Suite `ratelimit`: what a Redis-backed limiter costs an express app, side by side in one run.
// Variants (same app, same handler, routes of one server process, alternating rounds):
//   none              no limiter
//   floor             one EVALSHA of the sliding-window-counter script per request, with the same
//                     write coalescing the limiter uses, nothing else: the real floor
//   evalsha-uncorked  the same EVALSHA, one socket write per command (what coalescing is worth)
//   lab-swc           this middleware, sliding window counter (headers, breaker, metrics included)
//   lab-tb            this middleware, token bucket
//   rlflx             rate-limiter-flexible RateLimiterRedis + the README's middleware, plain ioredis
//   rlflx-autopipe    the same on an ioredis client with enableAutoPipelining: true (its batching)
// Every variant runs at 20 and at 64 connections; each level is its own alternating run, and its
// rows and ratios carry the level (`lab-swc@20`). Ratios are medians of per-round ratios.
// Redis calls per request are counted on each variant's own connection: 1 when allowed, and for
// lab-blocked (limit 1, then refused from the in-memory block list) 0.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import {
  alternate,
  defineSuite,
  type RatioRow,
  type ResultRow,
  ratioOf,
  resultRow,
  runHttpLoad,
  summarize,
} from '@lab/bench';

// Many short rounds rather than a few long ones: on a shared machine a neighbour's burst then
// lands in one round of one variant, and the per-round ratio (adjacent runs) shrugs it off.
const DURATION_S = 1.5;
const ROUNDS = 9;
// 20 connections: partly latency-bound, where waiting for the end of the turn can cost more than
// one write per command saves. 64: CPU-bound, a gateway under load. Both are reported.
const CONNECTION_LEVELS = [20, 64] as const;
// lab-swc runs between the baselines it is compared with.
const VARIANTS = [
  'floor',
  'lab-swc',
  'rlflx-autopipe',
  'rlflx',
  'lab-tb',
  'evalsha-uncorked',
  'none',
] as const;

type Stats = { cpuMicros: number; routes: Record<string, { requests: number; commands: number }> };

async function startServer(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [new URL('./server.ts', import.meta.url).pathname], {
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const match = /^listening (\d+)$/.exec(line);
    if (match) return { child, base: `http://127.0.0.1:${match[1]}` };
  }
  throw new Error('bench server exited before listening');
}

type Server = { base: string; stats(): Promise<Stats>; reset(): Promise<unknown> };

/** One alternating run of every variant at one connection count. */
async function runAt(
  server: Server,
  connections: number,
): Promise<{ results: ResultRow[]; ratios: RatioRow[] }> {
  const at = (name: string) => `${name}@${connections}`;
  const p99 = new Map<string, number[]>(VARIANTS.map((name) => [name, []]));
  const calls = new Map<string, number[]>(VARIANTS.map((name) => [name, []]));
  const cpu = new Map<string, number[]>(VARIANTS.map((name) => [name, []]));
  const measured = await alternate(
    VARIANTS.map((name) => ({
      name,
      async measure() {
        await server.reset();
        const load = await runHttpLoad({
          url: `${server.base}/${name}`,
          connections,
          durationSeconds: DURATION_S,
        });
        if (load.non2xx > 0 || load.errors > 0) {
          throw new Error(
            `${name}: ${load.non2xx} non-2xx, ${load.errors} errors: a limit was hit or Redis failed`,
          );
        }
        const { cpuMicros, routes } = await server.stats();
        const counted = routes[name];
        p99.get(name)?.push(load.p99Ms);
        if (counted && counted.requests > 0) {
          calls.get(name)?.push(counted.commands / counted.requests);
          cpu.get(name)?.push(cpuMicros / counted.requests);
        }
        return load.requestsPerSecond;
      },
    })),
    { rounds: ROUNDS, warmupRounds: 1 },
  );
  const results: ResultRow[] = [];
  for (const name of VARIANTS) {
    const throughput = measured.get(name);
    if (!throughput) throw new Error(`missing variant ${name}`);
    results.push(resultRow(at(name), 'throughput', 'req/s', throughput));
    results.push({ name: at(name), metric: 'p99', unit: 'ms', ...summarize(p99.get(name) ?? []) });
    // Server CPU per request: less sensitive to neighbours than throughput; explains the ratios.
    results.push({
      name: at(name),
      metric: 'server-cpu-per-request',
      unit: 'us',
      ...summarize(cpu.get(name) ?? []),
    });
    if (name !== 'none') {
      results.push({
        name: at(name),
        metric: 'redis-calls-per-request',
        unit: 'calls',
        ...summarize(calls.get(name) ?? []),
      });
    }
  }
  const variant = (name: string) => {
    const found = measured.get(name);
    if (!found) throw new Error(`missing variant ${name}`);
    return { ...found, name: at(name) };
  };
  const ratio = (label: string, a: string, b: string) => ratioOf(at(label), variant(a), variant(b));
  return {
    results,
    ratios: [
      ratio('lab/rate-limiter-flexible-autopipelined', 'lab-swc', 'rlflx-autopipe'),
      ratio('lab/rate-limiter-flexible', 'lab-swc', 'rlflx'),
      ratio('lab/evalsha-floor', 'lab-swc', 'floor'),
      ratio('lab-token-bucket/rate-limiter-flexible-autopipelined', 'lab-tb', 'rlflx-autopipe'),
      ratio('evalsha-floor/evalsha-uncorked', 'floor', 'evalsha-uncorked'),
      ratio('rate-limiter-flexible-autopipelined/rate-limiter-flexible', 'rlflx-autopipe', 'rlflx'),
      ratio('floor/none', 'floor', 'none'),
    ],
  };
}

export default defineSuite('ratelimit', async () => {
  const { child, base } = await startServer();
  try {
    const server: Server = {
      base,
      stats: async () => (await fetch(`${base}/__stats`)).json() as Promise<Stats>,
      reset: () => fetch(`${base}/__reset`, { method: 'POST' }),
    };
    const results: ResultRow[] = [];
    const ratios: RatioRow[] = [];
    for (const connections of CONNECTION_LEVELS) {
      const level = await runAt(server, connections);
      results.push(...level.results);
      ratios.push(...level.ratios);
    }

    // The in-memory block: limit 1, so the first request passes and the second is refused by
    // Redis; from then on (for the whole window) no request for that key reaches Redis.
    await fetch(`${base}/lab-blocked`);
    await fetch(`${base}/lab-blocked`);
    await server.reset();
    await runHttpLoad({ url: `${base}/lab-blocked`, connections: 64, durationSeconds: 1 });
    const blocked = (await server.stats()).routes['lab-blocked'];
    const blockedCalls = blocked ? blocked.commands / blocked.requests : Number.NaN;
    results.push({
      name: 'lab-blocked@64',
      metric: 'redis-calls-per-request',
      unit: 'calls',
      median: blockedCalls,
      min: blockedCalls,
      max: blockedCalls,
    });
    return { results, ratios };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
