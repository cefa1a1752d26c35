// Token bucket burst vs leaky bucket smoothing (catalogue §9 #12). Both limit the same average
// rate; they differ in what the backend sees. A token bucket lets a saved-up burst through at
// once; a leaky bucket with no burst allowance spaces admissions evenly, and the requests that
// arrive together wait their turn instead (here: the client waits Retry-After and tries again,
// which is where the leaky bucket's queueing latency shows up).
import type { Rule } from '@lab/ratelimit';
import { binnedBarsPerVariant } from '../chart.ts';
import { defineExperiment, type Row } from '../experiment.ts';
import { labRedis, latencySummary, limiterFor, pct, readyClient } from '../lab.ts';
import { binCounts, poisson, runSchedule } from '../load.ts';
import { seededRandom } from '../random.ts';

const RATE = 20;
const BURST_SIZE = 24;
const BURST_EVERY_MS = 2000;
const BACKGROUND_RATE = 4;
const MAX_WAIT_MS = 2000;
const BIN_MS = 100;
const RULES: Record<string, Rule> = {
  'token-bucket': { name: 'smooth', algorithm: 'token-bucket', limit: RATE, windowMs: 1000, burst: RATE },
  'leaky-bucket': { name: 'smooth', algorithm: 'leaky-bucket', limit: RATE, windowMs: 1000, burst: 1 },
};
const VARIANTS = Object.keys(RULES);

type Admission = { variant: string; arrivedMs: number; admittedMs?: number };
type Raw = { admissions: Admission[]; durationMs: number };

export default defineExperiment<Raw>({
  name: 'bucket-smoothing',
  title: 'Token bucket bursts vs leaky bucket smoothing at the backend',
  catalogue: '§9 #12',
  claim:
    'Under bursty traffic a token bucket passes bucket-size bursts to the backend, while a leaky bucket gives a constant outflow at the price of queueing latency. Source: 000 "requests queued, processed at constant rate. Smooths traffic"; 001 "Smoother output than token bucket; less bursty allowance"; 002 "Queue with constant outflow — Smooths spikes — Latency".',
  setup: `@lab/ratelimit on the shared Redis. Both rules allow ${RATE} req/s: the token bucket with a burst of ${RATE}, the leaky bucket (a meter) with a burst of 1, i.e. one admission every ${1000 / RATE} ms. A refused client waits the \`retryAfterMs\` the limiter returns and tries again (a client-side queue), giving up after ${MAX_WAIT_MS / 1000} s. The in-memory block list is off so Redis decides every attempt.`,
  variants: ['token bucket (burst = rate)', 'leaky bucket (burst = 1: strict spacing)'],
  load: `bursts of ${BURST_SIZE} requests within 50 ms every ${BURST_EVERY_MS / 1000} s, plus ${BACKGROUND_RATE} req/s Poisson background (16 req/s on average, under the ${RATE} req/s limit), for 20 s (6 s quick); both variants get the same arrivals at the same moments.`,
  measured: `when each request reaches the backend (admitted), per ${BIN_MS} ms; the peak backend rate; the wait from arrival to admission (queueing latency); requests dropped after ${MAX_WAIT_MS / 1000} s.`,
  verdictRule: `reproduced when the token bucket's busiest ${BIN_MS} ms holds ≥ 3x as many admissions as the leaky bucket's, the leaky bucket's busiest ${BIN_MS} ms holds no more than its rate allows plus one, and the leaky bucket's p99 wait is longer than the token bucket's; not reproduced otherwise.`,
  expectedSeconds: { full: 24, quick: 9 },
  async run({ quick, seed, progress }) {
    const durationMs = quick ? 6000 : 20_000;
    const random = seededRandom(seed);
    const arrivalsMs: number[] = [];
    for (let t = 500; t < durationMs; t += BURST_EVERY_MS) {
      for (let i = 0; i < BURST_SIZE; i += 1) arrivalsMs.push(t + random.next() * 50);
    }
    arrivalsMs.push(...poisson(BACKGROUND_RATE, durationMs, random));
    arrivalsMs.sort((a, b) => a - b);
    const redis = await labRedis('smooth');
    const client = await readyClient(redis);
    try {
      const limiters = VARIANTS.map((v) => limiterFor(client, redis.prefix, v, { localBlock: false }));
      const start = performance.now();
      const admissions: Admission[] = [];
      const admit = async (variant: string, v: number, arrivedMs: number) => {
        const record: Admission = { variant, arrivedMs };
        admissions.push(record);
        for (;;) {
          const result = await (limiters[v] as (typeof limiters)[number]).check(
            RULES[variant] as Rule,
            'client',
          );
          const now = performance.now() - start;
          if (result.allowed) {
            record.admittedMs = now;
            return;
          }
          if (now + result.retryAfterMs - arrivedMs > MAX_WAIT_MS) return;
          await new Promise((r) => setTimeout(r, Math.max(1, result.retryAfterMs)));
        }
      };
      progress.step(`${arrivalsMs.length} arrivals over ${durationMs / 1000} s`);
      await runSchedule(arrivalsMs, (i) =>
        Promise.all(VARIANTS.map((variant, v) => admit(variant, v, arrivalsMs[i] as number))),
      );
      return summarize(admissions, durationMs);
    } finally {
      await redis.cleanup();
    }
  },
  judge({ rows }) {
    const get = (variant: string, column: string) =>
      Number(rows.find((r) => r.variant === variant)?.[column]);
    const tbPeak = get('token-bucket', `busiest ${BIN_MS} ms`);
    const lbPeak = get('leaky-bucket', `busiest ${BIN_MS} ms`);
    const tbWait = get('token-bucket', 'wait p99 ms');
    const lbWait = get('leaky-bucket', 'wait p99 ms');
    const reason = `The busiest ${BIN_MS} ms at the backend held ${tbPeak} admissions with the token bucket and ${lbPeak} with the leaky bucket; p99 wait before admission ${tbWait.toFixed(0)} ms vs ${lbWait.toFixed(0)} ms.`;
    const ok = tbPeak >= 3 * lbPeak && lbPeak <= (RATE * BIN_MS) / 1000 + 1 && lbWait > tbWait;
    return { verdict: ok ? 'reproduced' : 'not reproduced', reason };
  },
});

function summarize(admissions: Admission[], durationMs: number) {
  const rows: Row[] = [];
  const values: Row[] = [];
  const span = durationMs + MAX_WAIT_MS;
  for (const variant of VARIANTS) {
    const mine = admissions.filter((a) => a.variant === variant);
    const admitted = mine.filter((a) => a.admittedMs !== undefined) as Required<Admission>[];
    const bins = binCounts(
      admitted.map((a) => ({ atMs: a.admittedMs, series: variant })),
      BIN_MS,
      span,
      [variant],
    );
    const waits = latencySummary(admitted.map((a) => a.admittedMs - a.arrivedMs));
    rows.push({
      variant,
      arrivals: mine.length,
      'admitted %': pct(admitted.length, mine.length),
      'dropped after 2 s': mine.length - admitted.length,
      [`busiest ${BIN_MS} ms`]: Math.max(...bins.map((bin) => bin.count)),
      'wait p50 ms': waits.p50,
      'wait p99 ms': waits.p99,
    });
    for (const bin of bins)
      values.push({ variant, t: bin.t / 1000, 'per second': (bin.count * 1000) / BIN_MS });
  }
  return {
    rows,
    raw: { admissions, durationMs },
    notes: ['Arrival times and admission times are measured in this process, from the start of the run.'],
    chart: {
      spec: binnedBarsPerVariant({
        y: 'per second',
        xTitle: 'time (s); requests admitted per s, in 100 ms bins',
        binMs: BIN_MS,
        height: 120,
      }),
      values,
    },
  };
}
