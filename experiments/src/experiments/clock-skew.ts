// Clock skew (catalogue §9 #15): a token-bucket script that takes `now` from the caller (003's
// script, written out below on purpose) trusts every gateway's clock. When one gateway runs a few
// seconds fast, every request it serves sees seconds of refill that never happened (tokens
// minted); one running slow sees time go backwards (tokens withheld). @lab/ratelimit's scripts read
// Redis TIME, so a gateway's clock never enters a decision.
import type { Rule } from '@lab/ratelimit';
import type { Redis } from 'ioredis';
import { defineExperiment, type Row } from '../experiment.ts';
import { labRedis, limiterFor, pct, readyClient } from '../lab.ts';
import { constantRate, runSchedule } from '../load.ts';
import { seededRandom } from '../random.ts';

const CAPACITY = 10;
const RATE_PER_S = 10;
const ARRIVAL_RATE = 30;
const GATEWAYS = 3;
const SKEW_MS = 3000;

// 003's token bucket, with the caller's clock in ARGV[3] (ms here instead of seconds). THE WRONG WAY.
const CLIENT_CLOCK_BUCKET = `
local max_tokens = tonumber(ARGV[1])
local refill_per_ms = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local tokens = tonumber(redis.call('hget', KEYS[1], 'tokens') or ARGV[1])
local last_refill = tonumber(redis.call('hget', KEYS[1], 'last_refill') or ARGV[3])
tokens = math.min(max_tokens, tokens + (now - last_refill) * refill_per_ms)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('hset', KEYS[1], 'tokens', tokens, 'last_refill', now)
redis.call('pexpire', KEYS[1], 3600000)
return allowed`;

type Variant = { name: string; clock: 'client' | 'redis'; skewMs: number };
const VARIANTS: Variant[] = [
  { name: 'client clock, clocks agree', clock: 'client', skewMs: 0 },
  { name: 'client clock, one gateway +3 s', clock: 'client', skewMs: SKEW_MS },
  { name: 'client clock, one gateway -3 s', clock: 'client', skewMs: -SKEW_MS },
  { name: 'Redis TIME, one gateway +3 s', clock: 'redis', skewMs: SKEW_MS },
];

type Event = { variant: string; atMs: number; gateway: number; allowed: boolean };
type Raw = {
  durationMs: number;
  ideal: number;
  admitted: Record<string, number>;
  /** Share of the admitted requests that came through the skewed gateway (fair: its share of arrivals). */
  skewedShare: Record<string, number>;
  fairShare: number;
};

export default defineExperiment<Raw>({
  name: 'clock-skew',
  title: "Clock skew: the caller's clock in the script vs Redis TIME",
  catalogue: '§9 #15',
  claim:
    "A limiter script that is passed the client's `now` (003's Lua token bucket, `now = time.time()`) mints or withholds tokens when one gateway's clock is skewed by a few seconds; reading Redis `TIME` in the script does not. Source: 001 risk \"clock skew\"; 003's script.",
  setup: `${GATEWAYS} gateways (limiter instances in one process, each with its own clock function) share one bucket key on the shared Redis. Capacity ${CAPACITY}, refill ${RATE_PER_S}/s. The client-clock variants run 003's script (ms instead of s) with \`now\` = the gateway's clock; gateway 2's clock is shifted by ±${SKEW_MS / 1000} s. The Redis-TIME variant is @lab/ratelimit's \`token-bucket\` rule of the same size: its script takes no time argument, so the skewed gateway has nothing to pass.`,
  variants: VARIANTS.map((v) => v.name),
  load: `${ARRIVAL_RATE} req/s (3x the refill rate) at one key, spread over the ${GATEWAYS} gateways at random (seeded), for 10 s (3 s quick); all variants see the same arrivals at the same moments, each on its own key.`,
  measured:
    "requests admitted against the most a correct bucket can admit (capacity + refill rate x duration), and which gateway's requests got the tokens.",
  verdictRule:
    "with the controls (clocks agree, Redis TIME) within 10 % of the correct bound and fair to within 15 points: reproduced when a skewed client-clock variant admits more than 20 % off the bound in total; depends when the total holds but the skewed gateway's share of admissions is more than 20 points off its share of arrivals (tokens minted for some clients and withheld from others); not reproduced otherwise.",
  expectedSeconds: { full: 12, quick: 5 },
  async run({ quick, seed, progress }) {
    const durationMs = quick ? 3000 : 10_000;
    const redis = await labRedis('skew');
    const clients = await Promise.all(Array.from({ length: GATEWAYS }, () => readyClient(redis)));
    try {
      for (const client of clients)
        client.defineCommand('clientClockBucket', { numberOfKeys: 1, lua: CLIENT_CLOCK_BUCKET });
      // One key prefix for all three, so the gateways count on one key like real replicas do.
      const limiters = clients.map((client) =>
        limiterFor(client, redis.prefix, 'gateways', { localBlock: false }),
      );
      const rule: Rule = {
        name: 'skew',
        algorithm: 'token-bucket',
        limit: RATE_PER_S,
        windowMs: 1000,
        burst: CAPACITY,
      };
      const decide = async (variant: Variant, v: number, gateway: number): Promise<boolean> => {
        if (variant.clock === 'redis') {
          return (await (limiters[gateway] as (typeof limiters)[number]).check(rule, `variant-${v}`)).allowed;
        }
        const now = Date.now() + (gateway === 1 ? variant.skewMs : 0);
        const client = clients[gateway] as Redis & {
          clientClockBucket(key: string, ...args: number[]): Promise<number>;
        };
        return (
          (await client.clientClockBucket(`${redis.prefix}bucket-${v}`, CAPACITY, RATE_PER_S / 1000, now)) ===
          1
        );
      };
      const arrivals = constantRate(ARRIVAL_RATE, durationMs);
      const random = seededRandom(seed);
      const gatewayOf = arrivals.map(() => random.int(GATEWAYS));
      const events: Event[] = [];
      progress.step(`${arrivals.length} arrivals over ${durationMs / 1000} s, ${VARIANTS.length} variants`);
      await runSchedule(arrivals, async (i) => {
        await Promise.all(
          VARIANTS.map(async (variant, v) => {
            const gateway = gatewayOf[i] as number;
            const allowed = await decide(variant, v, gateway);
            events.push({ variant: variant.name, atMs: arrivals[i] as number, gateway, allowed });
          }),
        );
      });
      return summarize(events, durationMs);
    } finally {
      await redis.cleanup();
    }
  },
  judge({ raw }) {
    const [agree, fast, slow, redisTime] = VARIANTS.map((v) => v.name) as [string, string, string, string];
    const off = (name: string) => Math.abs(((raw.admitted[name] ?? 0) - raw.ideal) / raw.ideal);
    const unfair = (name: string) => Math.abs((raw.skewedShare[name] ?? 0) - raw.fairShare);
    const totals = VARIANTS.map((v) => `${v.name} ${raw.admitted[v.name]}`).join(', ');
    const shares = VARIANTS.map((v) => `${v.name} ${raw.skewedShare[v.name]} %`).join(', ');
    const facts = `Admitted against a correct bound of ${raw.ideal}: ${totals}. Share of admissions through the skewed gateway (fair: ${raw.fairShare} %): ${shares}`;
    const controlsHold = off(agree) <= 0.1 && off(redisTime) <= 0.1 && unfair(redisTime) <= 15;
    if (!controlsHold) return { verdict: 'not reproduced', reason: `${facts}; a control variant was off.` };
    if (Math.max(off(fast), off(slow)) > 0.2) return { verdict: 'reproduced', reason: `${facts}.` };
    if (Math.max(unfair(fast), unfair(slow)) > 20) {
      return {
        verdict: 'depends',
        reason: `The skew changes the total by at most ${Math.round(Math.max(off(fast), off(slow)) * 100)} % but gives the tokens to the wrong clients: through the gateway 3 s fast, ${raw.skewedShare[fast]} % of admissions went to its requests, through the gateway 3 s slow ${raw.skewedShare[slow]} % (its fair share: ${raw.fairShare} %; with Redis TIME ${raw.skewedShare[redisTime]} %). The elapsed times the script adds up telescope, so the total comes out near the bound (clipped at the capacity), while each request through the fast gateway sees seconds of refill and each one after it sees time run backwards. ${facts}.`,
      };
    }
    return { verdict: 'not reproduced', reason: `${facts}.` };
  },
});

function summarize(events: Event[], durationMs: number) {
  const ideal = Math.round(CAPACITY + (RATE_PER_S * durationMs) / 1000);
  const admitted: Record<string, number> = {};
  const skewedShare: Record<string, number> = {};
  const sent = events.filter((e) => e.variant === VARIANTS[0]?.name);
  const fairShare = pct(sent.filter((e) => e.gateway === 1).length, sent.length);
  const rows: Row[] = VARIANTS.map((variant) => {
    const mine = events.filter((e) => e.variant === variant.name && e.allowed);
    const count = mine.length;
    admitted[variant.name] = count;
    skewedShare[variant.name] = pct(mine.filter((e) => e.gateway === 1).length, count);
    return {
      variant: variant.name,
      sent: events.filter((e) => e.variant === variant.name).length,
      admitted: count,
      'correct bound': ideal,
      'minted (+) / withheld (-)': count - ideal,
      'off by %': Math.round(((count - ideal) / ideal) * 1000) / 10,
      'admitted via gateway 2 %': skewedShare[variant.name] as number,
      'gateway 2 share of arrivals %': fairShare,
    };
  });
  const values: Row[] = [];
  for (const variant of VARIANTS) {
    let total = 0;
    for (const e of events.filter((x) => x.variant === variant.name).sort((a, b) => a.atMs - b.atMs)) {
      if (e.allowed) total += 1;
      values.push({ series: variant.name, t: e.atMs / 1000, admitted: total });
    }
  }
  for (let t = 0; t <= durationMs; t += 500) {
    values.push({ series: 'correct bound', t: t / 1000, admitted: CAPACITY + (RATE_PER_S * t) / 1000 });
  }
  return {
    rows,
    raw: { durationMs, ideal, admitted, skewedShare, fairShare },
    chart: {
      spec: {
        mark: { type: 'line' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'time (s)' },
          y: { field: 'admitted', type: 'quantitative', title: 'requests admitted so far' },
          color: { field: 'series', type: 'nominal', title: null },
          strokeDash: { field: 'series', type: 'nominal', title: null },
        },
      },
      values,
    },
  };
}
