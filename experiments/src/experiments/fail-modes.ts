// Fail-open vs fail-closed vs the insurance limiter (catalogue §9 #11): the limiter's Redis dies
// mid-run. Fail-open keeps serving and stops protecting; fail-closed keeps protecting by refusing
// everyone; the insurance limiter (an in-memory bucket of the rule's size) keeps roughly the
// rule's rate. The breaker around Redis is what keeps each decision fast while Redis is gone.
import { once } from 'node:events';
import type { Rule } from '@lab/ratelimit';
import { Redis } from 'ioredis';
import { facet } from '../chart.ts';
import { defineExperiment, type Row } from '../experiment.ts';
import { latencySummary, limiterFor, pct } from '../lab.ts';
import { merge, poisson, runSchedule } from '../load.ts';
import { seededRandom } from '../random.ts';
import { startRedisProcess } from '../redis-process.ts';

const KEYS = 20;
const RATE_PER_KEY = 15;
const RULE: Omit<Rule, 'failMode'> = {
  name: 'api',
  algorithm: 'sliding-window-counter',
  limit: 10,
  windowMs: 1000,
};
const VARIANTS = ['fail-open', 'fail-closed', 'insurance'] as const;
const BIN_MS = 250;

type Event = {
  variant: string;
  atMs: number;
  outcome: 'allowed' | 'refused' | 'unavailable';
  latencyMs: number;
};
type Phase = 'before' | 'redis down' | 'after';
type Raw = { phases: { downAtMs: number; upAtMs: number; durationMs: number }; rows: Row[] };

export default defineExperiment<Raw>({
  name: 'fail-modes',
  title: 'Redis stops mid-run: fail-open vs fail-closed vs insurance limiter',
  catalogue: '§9 #11',
  claim:
    'When the limiter\'s store fails, either everything is 429/503 (fail-closed) or traffic is unprotected (fail-open); a circuit breaker around Redis gives a fast fallback. Source: 001 "Mention fail-open vs fail-closed on Redis outage", "Fail closed for abuse protection; fail open for internal low-risk if business prefers availability".',
  setup: `A redis-server started by the experiment on a free port (never the shared one), killed with SIGKILL a third of the way in and started again two thirds in. Three limiters from @lab/ratelimit with their defaults (100 ms time limit per call, circuit breaker), each on its own ioredis connection with \`enableOfflineQueue: false\`. Rule: sliding-window counter, ${RULE.limit} requests per second per key (a minute scaled to a second).`,
  variants: [
    'fail-open (`failMode: "open"`)',
    'fail-closed (`failMode: "closed"`, a 503 while Redis is away)',
    "insurance (`insurance: true`: an in-memory token bucket of the rule's size decides while Redis is away)",
  ],
  load: `${KEYS} keys, each at ${RATE_PER_KEY} req/s (Poisson; 1.5x the limit, so a working limiter refuses about a third), ${KEYS * RATE_PER_KEY} req/s in all, for 12 s (4.5 s quick). Each arrival is decided by all three limiters at the same moment.`,
  measured:
    'per 250 ms and per phase: admitted, refused (429) and unavailable (503); decision latency p50/p99/max.',
  verdictRule:
    "reproduced when, with Redis down, fail-open admits ≥ 99 %, fail-closed admits ≤ 1 %, the insurance limiter refuses some requests and admits no more than a bucket of the rule's size allows (a full burst plus the refill over the outage, +1 point), and every variant's p99 decision latency while Redis is down stays ≤ 150 ms; not reproduced otherwise.",
  expectedSeconds: { full: 16, quick: 7 },
  async run({ quick, seed, progress }) {
    const durationMs = quick ? 4500 : 12_000;
    const downAtMs = durationMs / 3;
    const upAtMs = (2 * durationMs) / 3;
    const server = await startRedisProcess();
    const clients = VARIANTS.map(
      () =>
        new Redis(server.url, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          retryStrategy: () => 100,
        }),
    );
    for (const client of clients) client.on('error', () => {});
    try {
      await Promise.all(clients.map((c) => once(c, 'ready')));
      const limiters = VARIANTS.map((variant, i) =>
        limiterFor(clients[i] as Redis, 'exp:', variant, {
          // The library's defaults, spelled out: a 100 ms time limit and the breaker.
          timeoutMs: 100,
          breaker: {},
          insurance: variant === 'insurance',
        }),
      );
      const rules = VARIANTS.map(
        (v): Rule => ({ ...RULE, failMode: v === 'fail-closed' ? 'closed' : 'open' }),
      );
      const random = seededRandom(seed);
      const arrivals = merge(
        ...Array.from({ length: KEYS }, () => poisson(RATE_PER_KEY, durationMs, random)),
      );
      const events: Event[] = [];
      const faults = (async () => {
        await new Promise((r) => setTimeout(r, downAtMs));
        await server.kill();
        progress.step('redis-server killed');
        await new Promise((r) => setTimeout(r, upAtMs - downAtMs));
        await server.start();
        progress.step('redis-server started again');
      })();
      progress.step(`${arrivals.length} arrivals over ${durationMs / 1000} s`);
      await runSchedule(
        arrivals.map((a) => a.atMs),
        async (i) => {
          const arrival = arrivals[i] as (typeof arrivals)[number];
          await Promise.all(
            VARIANTS.map(async (variant, v) => {
              const started = performance.now();
              const result = await (limiters[v] as (typeof limiters)[number]).check(
                rules[v] as Rule,
                `key-${arrival.source}`,
              );
              const latencyMs = performance.now() - started;
              const outcome = result.allowed
                ? 'allowed'
                : result.source === 'fail-closed'
                  ? 'unavailable'
                  : 'refused';
              events.push({ variant, atMs: arrival.atMs, outcome, latencyMs });
            }),
          );
        },
      );
      await faults;
      return summarize(events, { downAtMs, upAtMs, durationMs });
    } finally {
      for (const client of clients) client.disconnect();
      await server.kill();
    }
  },
  judge({ raw }) {
    const row = (variant: string, phase: Phase) =>
      raw.rows.find((r) => r.variant === variant && r.phase === phase) as Row;
    const admitted = (variant: string, phase: Phase) => Number(row(variant, phase)['admitted %']);
    const open = admitted('fail-open', 'redis down');
    const closed = admitted('fail-closed', 'redis down');
    const insured = admitted('insurance', 'redis down');
    // A token bucket of the rule's size admits at most a full burst plus the refill over the outage.
    const outageSeconds = (raw.phases.upAtMs - raw.phases.downAtMs) / 1000;
    const bound = pct(
      KEYS * RULE.limit * (1 + outageSeconds),
      Number(row('insurance', 'redis down').requests),
    );
    const worstP99 = Math.max(...VARIANTS.map((v) => Number(row(v, 'redis down')['p99 ms'])));
    const facts = `With Redis down, fail-open admitted ${open} %, fail-closed ${closed} %, and insurance ${insured} % (its bucket's bound for this outage: ${Math.min(100, bound).toFixed(1)} %); the worst p99 decision latency was ${worstP99.toFixed(1)} ms`;
    const ok = open >= 99 && closed <= 1 && insured <= bound + 1 && insured < 100 && worstP99 <= 150;
    return { verdict: ok ? 'reproduced' : 'not reproduced', reason: `${facts}.` };
  },
});

function summarize(events: Event[], phases: Raw['phases']) {
  const phaseOf = (atMs: number): Phase =>
    atMs < phases.downAtMs ? 'before' : atMs < phases.upAtMs ? 'redis down' : 'after';
  const rows: Row[] = [];
  for (const variant of VARIANTS) {
    for (const phase of ['before', 'redis down', 'after'] as const) {
      const mine = events.filter((e) => e.variant === variant && phaseOf(e.atMs) === phase);
      const count = (o: Event['outcome']) => mine.filter((e) => e.outcome === o).length;
      const latency = latencySummary(mine.map((e) => e.latencyMs));
      rows.push({
        variant,
        phase,
        requests: mine.length,
        'admitted %': pct(count('allowed'), mine.length),
        'refused 429 %': pct(count('refused'), mine.length),
        'unavailable 503 %': pct(count('unavailable'), mine.length),
        'p50 ms': latency.p50,
        'p99 ms': latency.p99,
        'max ms': latency.max,
      });
    }
  }
  const values: Row[] = [];
  for (const variant of VARIANTS) {
    for (let t = 0; t < phases.durationMs; t += BIN_MS) {
      const inBin = events.filter((e) => e.variant === variant && e.atMs >= t && e.atMs < t + BIN_MS);
      for (const outcome of ['allowed', 'refused', 'unavailable'] as const) {
        values.push({
          variant,
          t: t / 1000,
          outcome,
          perSecond: (inBin.filter((e) => e.outcome === outcome).length * 1000) / BIN_MS,
        });
      }
    }
  }
  return {
    rows,
    raw: { phases, rows },
    notes: [
      `Redis was killed at ${(phases.downAtMs / 1000).toFixed(1)} s and started again at ${(phases.upAtMs / 1000).toFixed(1)} s; it comes back empty (no persistence), so the counters start over.`,
    ],
    chart: {
      spec: facet(
        'variant',
        {
          mark: { type: 'area', interpolate: 'step-after' },
          encoding: {
            x: { field: 't', type: 'quantitative', title: 'time (s); Redis down in the middle third' },
            y: { field: 'perSecond', type: 'quantitative', stack: true, title: 'decisions per s' },
            color: {
              field: 'outcome',
              type: 'nominal',
              scale: {
                domain: ['allowed', 'refused', 'unavailable'],
                range: ['#4c9f50', '#e0a030', '#c0392b'],
              },
            },
          },
        },
        { height: 110 },
      ),
      values,
    },
  };
}
