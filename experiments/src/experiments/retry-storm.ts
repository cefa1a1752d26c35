// Retry storm (catalogue §9 #17). A server is down for a few seconds and answers 503 with
// Retry-After. Clients that retry at once multiply the load while it is down; because refusing a
// request is not free, that extra load keeps eating the capacity the server needs to recover.
// Clients that wait Retry-After come back later, and with jitter they do not all come back in the
// same instant.
import http from 'node:http';
import { parseRetryAfter } from '@lab/resilience';
import { facet } from '../chart.ts';
import { defineExperiment, type Row } from '../experiment.ts';
import { pct, ratio } from '../lab.ts';
import { poisson, runSchedule } from '../load.ts';
import { type Random, seededRandom } from '../random.ts';

const CAPACITY = 80;
const REFUSAL_COST = 0.25;
const DEMAND = 50;
const MAX_ATTEMPTS = 10;
const BIN_MS = 250;
const VARIANTS = ['immediate retry', 'Retry-After, no jitter', 'Retry-After + jitter'] as const;
type Variant = (typeof VARIANTS)[number];

type Attempt = { atMs: number; ok: boolean };
type Raw = {
  outage: { fromMs: number; toMs: number };
  durationMs: number;
  attempts: Record<string, Attempt[]>;
};

export default defineExperiment<Raw>({
  name: 'retry-storm',
  title: 'Retry storm: immediate retries vs Retry-After with jitter',
  catalogue: '§9 #17',
  claim:
    'Clients that retry on 503 immediately and all together overload the server; jittered backoff and the server\'s Retry-After prevent it. Source: 001 "Clients retry on 503 simultaneously → overload. Jittered backoff + server Retry-After header", "Anti-pattern: Retry storm without jitter — amplifies outage"; 002 "Retries without backoff. Self-DDoS during recovery".',
  setup: `A local HTTP server started by the experiment with a capacity of ${CAPACITY} requests/s (a budget refilled continuously). A served request costs 1 unit; a refused one costs ${REFUSAL_COST} (parsing, authentication and the refusal itself are not free), and the budget can go as low as one second of capacity in debt. Over budget, or during the outage, it answers 503 with \`Retry-After: 1\`. Clients give up after ${MAX_ATTEMPTS} attempts.`,
  variants: [
    'immediate retry (the next attempt as soon as the 503 arrives)',
    "Retry-After, no jitter (wait exactly the header's time)",
    "Retry-After + jitter (wait the header's time plus up to as much again, at random)",
  ],
  load: `${DEMAND} new requests/s (Poisson, ${Math.round((DEMAND / CAPACITY) * 100)} % of capacity), 15 s per variant (6 s quick) with the server down from 3 s to 6 s (1 s to 2.5 s quick); variants run one after another with the same arrivals and a fresh server.`,
  measured:
    'attempts per request (load amplification), attempts and successes per 250 ms, requests that never succeeded, and the time from the end of the outage until ≥ 90 % of attempts succeed.',
  verdictRule:
    'reproduced when immediate retries amplify the load ≥ 2x more than Retry-After + jitter and recover no sooner; depends when only one of the two holds; not reproduced otherwise.',
  expectedSeconds: { full: 65, quick: 25 },
  async run({ quick, seed, progress }) {
    const durationMs = quick ? 6000 : 15_000;
    const outage = quick ? { fromMs: 1000, toMs: 2500 } : { fromMs: 3000, toMs: 6000 };
    const arrivals = poisson(DEMAND, durationMs, seededRandom(seed));
    const rows: Row[] = [];
    const attempts: Raw['attempts'] = {};
    for (const variant of VARIANTS) {
      const server = await startServer(outage);
      const jitter = seededRandom(seed + 1);
      const log: Attempt[] = [];
      let failedRequests = 0;
      await runSchedule(arrivals, async () => {
        if (!(await request(server.url, variant, jitter, server.elapsed, log))) failedRequests += 1;
      });
      await server.close();
      attempts[variant] = log;
      const recovery = recoveryMs(log, outage.toMs, durationMs);
      rows.push({
        variant,
        requests: arrivals.length,
        attempts: log.length,
        'attempts per request': Math.round(ratio(log.length, arrivals.length) * 100) / 100,
        'peak attempts per s': peakPerSecond(log),
        'requests that never succeeded %': pct(failedRequests, arrivals.length),
        'recovery after the outage ms': recovery ?? 'not within the run',
      });
      progress.step(`${variant}: ${log.length} attempts, recovery ${recovery ?? 'none'} ms`);
    }
    return summarize(rows, { outage, durationMs, attempts });
  },
  judge({ rows }) {
    const get = (variant: Variant, column: string) => rows.find((r) => r.variant === variant)?.[column];
    const amplification = (v: Variant) => Number(get(v, 'attempts per request'));
    const recovery = (v: Variant) => {
      const value = get(v, 'recovery after the outage ms');
      return typeof value === 'number' ? value : Number.POSITIVE_INFINITY;
    };
    const describe = (v: Variant) =>
      `${v}: ${amplification(v)} attempts per request, recovered ${Number.isFinite(recovery(v)) ? `${recovery(v)} ms after the outage` : 'not within the run'}`;
    const reason = `${VARIANTS.map(describe).join('; ')}.`;
    const amplifies = amplification('immediate retry') >= 2 * amplification('Retry-After + jitter');
    const slower = recovery('immediate retry') >= recovery('Retry-After + jitter');
    if (amplifies && slower) return { verdict: 'reproduced', reason };
    if (amplifies || slower) return { verdict: 'depends', reason };
    return { verdict: 'not reproduced', reason };
  },
});

/** One request with the variant's retry policy; resolves true once an attempt succeeds. */
async function request(
  url: string,
  variant: Variant,
  jitter: Random,
  elapsed: () => number,
  log: Attempt[],
): Promise<boolean> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const response = await fetch(url);
    await response.arrayBuffer();
    log.push({ atMs: elapsed(), ok: response.ok });
    if (response.ok) return true;
    if (attempt === MAX_ATTEMPTS || variant === 'immediate retry') continue;
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after')) ?? 1000;
    const waitMs = variant === 'Retry-After + jitter' ? retryAfterMs * (1 + jitter.next()) : retryAfterMs;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  return false;
}

/** The server under test: a capacity budget, an outage window, 503 + Retry-After when refusing. */
async function startServer(outage: Raw['outage']) {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  let budget = CAPACITY / 10;
  let last = started;
  const server = http.createServer((_req, res) => {
    const now = performance.now();
    budget = Math.min(CAPACITY / 10, budget + ((now - last) / 1000) * CAPACITY);
    last = now;
    const t = elapsed();
    const down = t >= outage.fromMs && t < outage.toMs;
    if (!down && budget >= 1) {
      budget -= 1;
      res.writeHead(200).end('ok');
      return;
    }
    budget = Math.max(-CAPACITY, budget - REFUSAL_COST);
    res.writeHead(503, { 'retry-after': '1' }).end('busy');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    elapsed,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

function recoveryMs(log: Attempt[], outageEndMs: number, durationMs: number): number | null {
  for (let t = outageEndMs; t < durationMs; t += BIN_MS) {
    const inBin = log.filter((a) => a.atMs >= t && a.atMs < t + BIN_MS);
    if (inBin.length > 0 && ratio(inBin.filter((a) => a.ok).length, inBin.length) >= 0.9)
      return t - outageEndMs;
  }
  return null;
}

function peakPerSecond(log: Attempt[]): number {
  const bins = new Map<number, number>();
  for (const a of log)
    bins.set(Math.floor(a.atMs / BIN_MS), (bins.get(Math.floor(a.atMs / BIN_MS)) ?? 0) + 1);
  return Math.max(0, ...bins.values()) * (1000 / BIN_MS);
}

function summarize(rows: Row[], raw: Raw) {
  const values: Row[] = [];
  for (const variant of VARIANTS) {
    const log = raw.attempts[variant] ?? [];
    for (let t = 0; t < raw.durationMs + 10_000; t += BIN_MS) {
      const inBin = log.filter((a) => a.atMs >= t && a.atMs < t + BIN_MS);
      if (t >= raw.durationMs && inBin.length === 0) break;
      values.push({ variant, t: t / 1000, kind: 'attempts', perSecond: inBin.length * (1000 / BIN_MS) });
      values.push({
        variant,
        t: t / 1000,
        kind: 'successes',
        perSecond: inBin.filter((a) => a.ok).length * (1000 / BIN_MS),
      });
    }
  }
  // The raw attempt log is large; the JSON keeps per-bin counts (the chart values) instead.
  const compact = { outage: raw.outage, durationMs: raw.durationMs, attempts: {} };
  return {
    rows,
    raw: compact as Raw,
    notes: [
      `The server was down from ${raw.outage.fromMs / 1000} s to ${raw.outage.toMs / 1000} s; its capacity is ${CAPACITY} req/s, shown as the dashed line. Times are measured from each variant's own start.`,
    ],
    chart: {
      spec: facet(
        'variant',
        {
          layer: [
            {
              mark: { type: 'line', interpolate: 'step-after' },
              encoding: {
                x: { field: 't', type: 'quantitative', title: 'time (s)' },
                y: { field: 'perSecond', type: 'quantitative', title: 'per s', scale: { type: 'symlog' } },
                color: { field: 'kind', type: 'nominal', title: null },
              },
            },
            { mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { y: { datum: CAPACITY } } },
          ],
        },
        { height: 110 },
      ),
      values,
    },
  };
}
