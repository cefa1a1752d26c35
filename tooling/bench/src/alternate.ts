// Runs every variant in turn, round after round (A B C A B C ...), after a warm-up round that is
// thrown away. Alternating spreads the machine's drift (thermal, neighbours, GC) over all variants
// instead of letting it land on whichever ran last; the ratio of medians is then fair.
import { type Summary, summarize } from './stats.ts';

export type Variant = {
  name: string;
  /** One measurement (for example ops/s or a latency); called once per round. */
  measure: () => Promise<number>;
};

export type AlternateOptions = { rounds?: number; warmupRounds?: number };

export async function alternate(
  variants: readonly Variant[],
  { rounds = 5, warmupRounds = 1 }: AlternateOptions = {},
): Promise<Map<string, Summary & { samples: number[] }>> {
  const samples = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
  for (let round = 0; round < warmupRounds + rounds; round += 1) {
    for (const variant of variants) {
      const value = await variant.measure();
      if (round >= warmupRounds) samples.get(variant.name)?.push(value);
    }
  }
  return new Map(
    [...samples].map(([name, values]) => [name, { ...summarize(values), samples: values }] as const),
  );
}

/** Calls `operation` repeatedly for about `durationMs` and returns operations per second. */
export async function opsPerSecond(
  operation: () => Promise<unknown> | unknown,
  { durationMs = 500, batch = 1_000 } = {},
): Promise<number> {
  let done = 0;
  const started = performance.now();
  let elapsed = 0;
  // Time whole batches: reading the clock around every call would cost more than a cheap call.
  while (elapsed < durationMs) {
    for (let i = 0; i < batch; i += 1) await operation();
    done += batch;
    elapsed = performance.now() - started;
  }
  return (done / elapsed) * 1_000;
}
