// Suite `ratelimit`: what a Redis-backed limiter costs an express app, side by side in one run.
// Variants (same app, same handler, routes of one server process, alternating rounds):
//   none       no limiter
//   floor      one EVALSHA of the sliding-window-counter script per request, nothing else
//   lab-swc    this middleware, sliding window counter (headers, breaker, metrics included)
//   lab-tb     this middleware, token bucket
//   rlflx      rate-limiter-flexible RateLimiterRedis + the README's middleware
// Ratios: lab/rate-limiter-flexible and lab/evalsha-floor (lab-swc throughput / theirs, per round).
// Redis calls per request are counted on each variant's own connection: 1 when allowed, and for
// lab-blocked (limit 1, then refused from the in-memory block list) 0.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import {
  alternate,
  defineSuite,
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
// 64 connections keep the server CPU-bound (a gateway under load), so throughput measures the
// cost per request. At low concurrency (20) a run is partly latency-bound, and the limiter's write
// coalescing (a command waits for the end of the event-loop turn) costs a few percent against the
// floor instead of saving; see README "Benchmark".
const CONNECTIONS = 64;
// lab-swc runs between the two baselines it is compared with.
const VARIANTS = ['floor', 'lab-swc', 'rlflx', 'lab-tb', 'none'] as const;

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

export default defineSuite('ratelimit', async () => {
  const { child, base } = await startServer();
  try {
    const stats = async (): Promise<Stats> => (await fetch(`${base}/__stats`)).json() as Promise<Stats>;
    const reset = () => fetch(`${base}/__reset`, { method: 'POST' });
    const p99 = new Map<string, number[]>(VARIANTS.map((name) => [name, []]));
    const calls = new Map<string, number[]>(VARIANTS.map((name) => [name, []]));
    const cpu = new Map<string, number[]>(VARIANTS.map((name) => [name, []]));

    const measured = await alternate(
      VARIANTS.map((name) => ({
        name,
        async measure() {
          await reset();
          const load = await runHttpLoad({
            url: `${base}/${name}`,
            connections: CONNECTIONS,
            durationSeconds: DURATION_S,
          });
          if (load.non2xx > 0 || load.errors > 0) {
            throw new Error(
              `${name}: ${load.non2xx} non-2xx, ${load.errors} errors: a limit was hit or Redis failed`,
            );
          }
          const { cpuMicros, routes } = await stats();
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

    // The in-memory block: limit 1, so the first request passes and the second is refused by
    // Redis; from then on (for the whole window) no request for that key reaches Redis.
    await fetch(`${base}/lab-blocked`);
    await fetch(`${base}/lab-blocked`);
    await reset();
    await runHttpLoad({ url: `${base}/lab-blocked`, connections: CONNECTIONS, durationSeconds: 1 });
    const blocked = (await stats()).routes['lab-blocked'];
    const blockedCalls = blocked ? blocked.commands / blocked.requests : Number.NaN;

    const results: ResultRow[] = [];
    for (const name of VARIANTS) {
      const throughput = measured.get(name);
      if (!throughput) throw new Error(`missing variant ${name}`);
      results.push(resultRow(name, 'throughput', 'req/s', throughput));
      results.push({ name, metric: 'p99', unit: 'ms', ...summarize(p99.get(name) ?? []) });
      // Server CPU per request: less sensitive to neighbours than throughput; explains the ratios.
      results.push({ name, metric: 'server-cpu-per-request', unit: 'us', ...summarize(cpu.get(name) ?? []) });
      if (name !== 'none') {
        results.push({
          name,
          metric: 'redis-calls-per-request',
          unit: 'calls',
          ...summarize(calls.get(name) ?? []),
        });
      }
    }
    results.push({
      name: 'lab-blocked',
      metric: 'redis-calls-per-request',
      unit: 'calls',
      median: blockedCalls,
      min: blockedCalls,
      max: blockedCalls,
    });

    const variant = (name: string) => {
      const found = measured.get(name);
      if (!found) throw new Error(`missing variant ${name}`);
      return { ...found, name };
    };
    return {
      results,
      ratios: [
        ratioOf('lab/rate-limiter-flexible', variant('lab-swc'), variant('rlflx')),
        ratioOf('lab/evalsha-floor', variant('lab-swc'), variant('floor')),
        ratioOf('lab-token-bucket/rate-limiter-flexible', variant('lab-tb'), variant('rlflx')),
        ratioOf('floor/none', variant('floor'), variant('none')),
      ],
    };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
