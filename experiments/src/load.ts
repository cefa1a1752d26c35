// Open-model load: requests arrive on a schedule fixed in advance, whether or not earlier ones
// have answered (constant arrival rate, like k6's constant-arrival-rate executor). A closed loop
// (send, wait, send) slows down when the system does and hides exactly the overload an experiment
// is about (coordinated omission). Latency is measured from the scheduled time, not the send time.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Random } from './random.ts';

/** Offsets in ms from the start of the run, ascending. */
export type Schedule = number[];

/** Evenly spaced arrivals: `ratePerSecond` for `durationMs`. */
export function constantRate(ratePerSecond: number, durationMs: number, startMs = 0): Schedule {
  const gap = 1000 / ratePerSecond;
  const out: number[] = [];
  for (let t = startMs; t < startMs + durationMs; t += gap) out.push(t);
  return out;
}

/** Poisson arrivals (exponential gaps) at a mean rate: the usual model of independent clients. */
export function poisson(ratePerSecond: number, durationMs: number, random: Random, startMs = 0): Schedule {
  const out: number[] = [];
  for (let t = startMs + random.exponential(1000 / ratePerSecond); t < startMs + durationMs; ) {
    out.push(t);
    t += random.exponential(1000 / ratePerSecond);
  }
  return out;
}

/** Merges schedules, each arrival tagged with the index of the schedule it came from. */
export function merge(...schedules: Schedule[]): { atMs: number; source: number }[] {
  return schedules
    .flatMap((schedule, source) => schedule.map((atMs) => ({ atMs, source })))
    .sort((a, b) => a.atMs - b.atMs);
}

/**
 * Fires `fire(i, lateMs)` for the i-th arrival at its time; `lateMs` says how far behind schedule
 * the loop was (the machine's own lag, reported so a noisy run is visible). Resolves when every
 * fired call has settled; a call that throws is the experiment's bug, so the first error rejects.
 */
export async function runSchedule(
  offsets: readonly number[],
  fire: (index: number, lateMs: number) => Promise<unknown>,
): Promise<{ maxLagMs: number }> {
  const start = performance.now();
  const inFlight: Promise<unknown>[] = [];
  let maxLagMs = 0;
  let next = 0;
  while (next < offsets.length) {
    const now = performance.now() - start;
    while (next < offsets.length && (offsets[next] as number) <= now) {
      const lag = now - (offsets[next] as number);
      if (lag > maxLagMs) maxLagMs = lag;
      inFlight.push(fire(next, lag));
      next += 1;
    }
    if (next < offsets.length)
      await sleep(Math.max(0, (offsets[next] as number) - (performance.now() - start)));
  }
  await Promise.all(inFlight);
  return { maxLagMs };
}

/**
 * Counts events per time bin: one record per series and bin, `t` the bin's start in ms. A series
 * named in `seriesNames` with no events still gets its (zero) bins, so a chart keeps its panel.
 */
export function binCounts(
  events: readonly { atMs: number; series: string }[],
  binMs: number,
  durationMs: number,
  seriesNames: readonly string[] = [...new Set(events.map((e) => e.series))],
): { t: number; series: string; count: number }[] {
  const bins = Math.ceil(durationMs / binMs);
  const counts = new Map<string, number[]>(seriesNames.map((s) => [s, new Array(bins).fill(0)]));
  for (const e of events) {
    const bin = Math.floor(e.atMs / binMs);
    const row = counts.get(e.series);
    if (row && bin >= 0 && bin < bins) row[bin] = (row[bin] as number) + 1;
  }
  return seriesNames.flatMap((series) =>
    (counts.get(series) as number[]).map((count, bin) => ({ t: bin * binMs, series, count })),
  );
}
