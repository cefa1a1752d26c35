// Noisy neighbour (catalogue §9 #13): one tenant floods. With only a global cap, the flood takes
// the shared quota and the quiet tenants are refused with it; with a per-tenant cap under the
// global one (a hierarchical check), the flood is cut at its own level and the others pass.

import type { Rule } from '@lab/ratelimit';
import { defineExperiment, type Row } from '../experiment.ts';
import { labRedis, limiterFor, pct, readyClient } from '../lab.ts';
import { constantRate, merge, poisson, runSchedule } from '../load.ts';
import { seededRandom } from '../random.ts';

const GLOBAL: Rule = { name: 'global', algorithm: 'sliding-window-counter', limit: 200, windowMs: 1000 };
const TENANT: Rule = { name: 'tenant', algorithm: 'sliding-window-counter', limit: 60, windowMs: 1000 };
const QUIET_TENANTS = ['acme', 'globex', 'initech', 'umbrella'];
const QUIET_RATE = 20;
const NOISY_RATE = 600;
const VARIANTS = ['global-cap-only', 'per-tenant-caps'] as const;
const BIN_MS = 500;

type Raw = { counts: Record<string, { tenant: string; sent: number; allowed: number }[]>; maxLagMs: number };

export default defineExperiment<Raw>({
  name: 'noisy-neighbour',
  title: 'Noisy neighbour: per-tenant caps vs a global cap only',
  catalogue: '§9 #13',
  claim:
    'With per-tenant caps, other tenants\' success rate stays at 100 % while one tenant floods; with only a global cap they get starved. Source: 001 "Global 1M RPS → per-tenant 10K → per-user 100"; "one API key cannot consume entire global quota — hierarchical caps".',
  setup:
    "@lab/ratelimit on the shared Redis, sliding-window counter. Global cap 200 req/s (the seeds' 1M RPS scaled down to what two shared cores can drive); per-tenant cap 60 req/s, checked with the global cap in one atomic hierarchical check (`checkLevels`). Windows are 1 s instead of a minute so the run is short; the scripts read Redis `TIME`.",
  variants: ['global cap only (`check(global, "all")`)', 'per-tenant caps (`checkLevels([global, tenant])`)'],
  load: `four quiet tenants at ${QUIET_RATE} req/s each (Poisson), one noisy tenant at ${NOISY_RATE} req/s (constant), for 12 s (3 s quick). Every arrival is checked by both variants at the same moment, each on its own key prefix.`,
  measured: "the share of each tenant's requests admitted, per variant, overall and per 500 ms.",
  verdictRule:
    'reproduced when the quiet tenants get ≥ 99 % with per-tenant caps and ≤ 80 % with the global cap only; not reproduced when per-tenant caps leave them below 99 %; depends otherwise.',
  expectedSeconds: { full: 15, quick: 5 },
  async run({ quick, seed, progress }) {
    const durationMs = quick ? 3000 : 12_000;
    const random = seededRandom(seed);
    const arrivals = merge(
      ...QUIET_TENANTS.map(() => poisson(QUIET_RATE, durationMs, random)),
      constantRate(NOISY_RATE, durationMs),
    );
    const tenantOf = (source: number) => QUIET_TENANTS[source] ?? 'noisy';
    const redis = await labRedis('noisy');
    const client = await readyClient(redis);
    try {
      const globalOnly = limiterFor(client, redis.prefix, 'global-cap-only');
      const perTenant = limiterFor(client, redis.prefix, 'per-tenant-caps');
      // Same order as VARIANTS.
      const decide = (tenant: string) =>
        Promise.all([
          globalOnly.check(GLOBAL, 'all'),
          perTenant.checkLevels([
            { rule: GLOBAL, key: 'all' },
            { rule: TENANT, key: tenant },
          ]),
        ]);
      const events: { variant: string; tenant: string; atMs: number; allowed: boolean }[] = [];
      progress.step(`${arrivals.length} arrivals over ${durationMs / 1000} s, both variants`);
      const { maxLagMs } = await runSchedule(
        arrivals.map((a) => a.atMs),
        async (i) => {
          const arrival = arrivals[i] as (typeof arrivals)[number];
          const tenant = tenantOf(arrival.source);
          const results = await decide(tenant);
          results.forEach((result, v) => {
            events.push({
              variant: VARIANTS[v] as string,
              tenant,
              atMs: arrival.atMs,
              allowed: result.allowed,
            });
          });
        },
      );
      progress.step(`done; the load loop ran at most ${maxLagMs.toFixed(0)} ms behind schedule`);
      return summarize(events, durationMs, maxLagMs);
    } finally {
      await redis.cleanup();
    }
  },
  judge({ rows }) {
    const quiet = (variant: string) =>
      Number(rows.find((r) => r.variant === variant)?.['quiet tenants admitted %']);
    const capped = quiet('per-tenant-caps');
    const global = quiet('global-cap-only');
    const facts = `quiet tenants admitted: ${capped} % with per-tenant caps, ${global} % with the global cap only`;
    if (capped >= 99 && global <= 80) return { verdict: 'reproduced', reason: `${facts}.` };
    if (capped < 99) return { verdict: 'not reproduced', reason: `${facts}: the caps did not protect them.` };
    return { verdict: 'depends', reason: `${facts}: the global cap alone did not starve them at this load.` };
  },
});

function summarize(
  events: { variant: string; tenant: string; atMs: number; allowed: boolean }[],
  durationMs: number,
  maxLagMs: number,
) {
  const counts: Raw['counts'] = {};
  const rows: Row[] = [];
  const values: Row[] = [];
  for (const variant of VARIANTS) {
    const mine = events.filter((e) => e.variant === variant);
    const tally = (filter: (tenant: string) => boolean) => {
      const picked = mine.filter((e) => filter(e.tenant));
      return { sent: picked.length, allowed: picked.filter((e) => e.allowed).length };
    };
    counts[variant] = [...QUIET_TENANTS, 'noisy'].map((tenant) => ({
      tenant,
      ...tally((t) => t === tenant),
    }));
    const quiet = tally((t) => t !== 'noisy');
    const noisy = tally((t) => t === 'noisy');
    rows.push({
      variant,
      'quiet tenants sent': quiet.sent,
      'quiet tenants admitted %': pct(quiet.allowed, quiet.sent),
      'noisy tenant sent': noisy.sent,
      'noisy tenant admitted %': pct(noisy.allowed, noisy.sent),
      'total admitted per s': Math.round(((quiet.allowed + noisy.allowed) * 1000) / durationMs),
    });
    for (let t = 0; t < durationMs; t += BIN_MS) {
      for (const group of ['quiet tenants', 'noisy tenant']) {
        const inBin = mine.filter(
          (e) => e.atMs >= t && e.atMs < t + BIN_MS && (e.tenant === 'noisy') === (group === 'noisy tenant'),
        );
        values.push({
          t: t / 1000,
          variant,
          group,
          admitted: pct(inBin.filter((e) => e.allowed).length, inBin.length),
        });
      }
    }
  }
  return {
    rows,
    raw: { counts, maxLagMs },
    notes: [
      `The load loop ran at most ${Math.round(maxLagMs)} ms behind schedule. Arrivals it fires late land together, so a long stall can push one second's window over the global cap even with the per-tenant caps in place.`,
    ],
    chart: {
      spec: {
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'time (s)' },
          y: {
            field: 'admitted',
            type: 'quantitative',
            title: 'requests admitted (%)',
            scale: { domain: [0, 100] },
          },
          color: { field: 'variant', type: 'nominal' },
          strokeDash: { field: 'group', type: 'nominal' },
        },
      },
      values,
    },
  };
}
