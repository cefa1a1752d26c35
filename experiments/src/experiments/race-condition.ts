// Check-then-increment without Lua vs the script (catalogue §9 #10), across 3 processes. The naive
// limiter GETs the count, decides in Node and then INCRs: every check that reads before the
// others' INCRs land sees the same count, so concurrent checks pass together. The Lua script
// reads, decides and writes inside Redis in one step, so the limit holds however many replicas
// ask at once.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { defineExperiment, type Row } from '../experiment.ts';
import { labRedis } from '../lab.ts';
import type { RoundMessage, RoundReply } from './race/worker.ts';

const PROCESSES = 3;
const LIMIT = 100;
const BURST_PER_PROCESS = 400;
const STEADY_RATE_PER_PROCESS = 500;
const STEADY_MS = 1000;
const VARIANTS: RoundMessage['variant'][] = ['naive GET then INCR', 'Lua script'];
const MODES: RoundMessage['mode'][] = ['burst', 'steady'];

type Round = { variant: string; mode: string; round: number; admitted: number; fallbacks: number };
type Raw = { rounds: Round[] };

export default defineExperiment<Raw>({
  name: 'race-condition',
  title: 'Check-then-increment without Lua vs the atomic script, 3 processes',
  catalogue: '§9 #10',
  claim:
    'A non-atomic GET → check → INCR limiter run by several gateway replicas over-admits above the limit; an atomic Lua script is exact. Source: 001 "Race conditions: use Lua script for atomic check-and-decrement"; 003 "Lua script for atomicity (no race conditions)".',
  setup: `${PROCESSES} worker processes (gateway replicas), each with its own Redis connection to the shared server. The naive variant is \`naiveGetThenIncrLimiter\` from \`@lab/ratelimit/demo\`; the script variant is @lab/ratelimit's token bucket. Limit ${LIMIT} per key with a day-long window, so nothing refills or resets during a round; every round uses a fresh key and all workers start at the same instant.`,
  variants: VARIANTS,
  load: `burst: ${BURST_PER_PROCESS} concurrent checks per process (${PROCESSES * BURST_PER_PROCESS} in all); steady: ${STEADY_RATE_PER_PROCESS} checks/s per process at a constant rate for ${STEADY_MS / 1000} s (${(PROCESSES * STEADY_RATE_PER_PROCESS * STEADY_MS) / 1000} in all). 5 rounds of each (1 quick).`,
  measured: 'requests admitted per round against the limit; over-admission = admitted − limit.',
  verdictRule:
    'reproduced when the naive limiter admits more than the limit in some round and the script admits exactly the limit in every round, every one of its checks decided by Redis; not reproduced otherwise.',
  expectedSeconds: { full: 25, quick: 8 },
  async run({ quick, progress }) {
    const redis = await labRedis('race');
    const workerFile = path.join(import.meta.dirname, 'race', 'worker.ts');
    const workers = Array.from({ length: PROCESSES }, () =>
      fork(workerFile, {
        env: { ...process.env, REDIS_URL: redis.url, RACE_PREFIX: redis.prefix },
        stdio: 'inherit',
      }),
    );
    try {
      await Promise.all(workers.map((w) => once(w, 'message')));
      const rounds: Round[] = [];
      for (let round = 0; round < (quick ? 1 : 5); round += 1) {
        for (const mode of MODES) {
          for (const variant of VARIANTS) {
            const message: RoundMessage = {
              variant,
              mode,
              key: `${mode}-${variant.includes('Lua') ? 'lua' : 'naive'}-${round}`,
              limit: LIMIT,
              count: mode === 'burst' ? BURST_PER_PROCESS : STEADY_RATE_PER_PROCESS,
              durationMs: STEADY_MS,
              startAt: Date.now() + 200,
            };
            const replies = workers.map(async (w) => {
              const [reply] = (await once(w, 'message')) as [Partial<RoundReply> & { error?: string }];
              if (reply.error !== undefined) throw new Error(`worker: ${reply.error}`);
              return reply as RoundReply;
            });
            for (const w of workers) w.send(message);
            const answered = await Promise.all(replies);
            const admitted = answered.reduce((sum, r) => sum + r.admitted, 0);
            const fallbacks = answered.reduce((sum, r) => sum + r.fallbacks, 0);
            rounds.push({ variant, mode, round, admitted, fallbacks });
          }
        }
        progress.step(
          `round ${round + 1}: ${rounds
            .slice(-4)
            .map((r) => `${r.mode}/${r.variant} ${r.admitted}`)
            .join(', ')}`,
        );
      }
      return summarize(rounds);
    } finally {
      for (const w of workers) if (w.connected) w.send('exit');
      await Promise.all(workers.map((w) => (w.exitCode === null ? once(w, 'exit') : undefined)));
      await redis.cleanup();
    }
  },
  judge({ raw }) {
    const naive = raw.rounds.filter((r) => r.variant === 'naive GET then INCR').map((r) => r.admitted);
    const script = raw.rounds.filter((r) => r.variant === 'Lua script').map((r) => r.admitted);
    const fallbacks = raw.rounds.reduce((sum, r) => sum + r.fallbacks, 0);
    const reason = `Limit ${LIMIT}: the naive limiter admitted ${Math.min(...naive)}-${Math.max(...naive)} per round, the script ${Math.min(...script)}-${Math.max(...script)}${fallbacks > 0 ? ` (${fallbacks} script checks were decided by a fallback, not by Redis)` : ''}.`;
    const ok = Math.max(...naive) > LIMIT && script.every((n) => n === LIMIT) && fallbacks === 0;
    return { verdict: ok ? 'reproduced' : 'not reproduced', reason };
  },
});

function summarize(rounds: Round[]) {
  const rows: Row[] = [];
  for (const mode of MODES) {
    for (const variant of VARIANTS) {
      const admitted = rounds.filter((r) => r.mode === mode && r.variant === variant).map((r) => r.admitted);
      rows.push({
        load: mode,
        variant,
        rounds: admitted.length,
        'admitted (min)': Math.min(...admitted),
        'admitted (max)': Math.max(...admitted),
        'over-admitted (max)': Math.max(...admitted) - LIMIT,
        'x limit (max)': Math.max(...admitted) / LIMIT,
        'decided by a fallback': rounds
          .filter((r) => r.mode === mode && r.variant === variant)
          .reduce((sum, r) => sum + r.fallbacks, 0),
      });
    }
  }
  return {
    rows,
    raw: { rounds },
    chart: {
      spec: {
        layer: [
          {
            mark: { type: 'point', filled: true, size: 80 },
            encoding: {
              x: { field: 'variant', type: 'nominal', title: null, axis: { labelAngle: 0 } },
              xOffset: { field: 'mode', type: 'nominal' },
              y: { field: 'admitted', type: 'quantitative', title: `admitted per round (limit ${LIMIT})` },
              color: { field: 'mode', type: 'nominal', title: 'load' },
            },
          },
          { mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { y: { datum: LIMIT } } },
        ],
      },
      values: rounds as unknown as Row[],
    },
  };
}
