// Suite `resilience`: what a circuit breaker costs in the closed state, the state every call to
// Redis or an upstream is in nearly all the time. This package's breaker vs opossum vs cockatiel
// (plus the bare call, so the breaker's own overhead shows), alternating rounds.
//   Primary (the ratios): calls shaped like real I/O, 64 in flight, each completing in a later
//     event-loop turn (setImmediate), so per-turn work such as the lab's event-loop clock
//     (src/clock.ts) is paid as often as it would be in a service.
//   Secondary, labelled so: a no-op call awaited back to back. Its promises are already resolved,
//     so the event loop never turns; it isolates per-call overhead but flatters per-turn caching.
// Then the retained heap of 10,000 breakers of each library, each measured in its own process.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  alternate,
  defineSuite,
  opsPerSecond,
  type ResultRow,
  ratioOf,
  resultRow,
  summarize,
} from '@lab/bench';
import { CONTENDERS, type Contender, createContender } from './contenders.ts';

const run = promisify(execFile);
const heapScript = path.join(import.meta.dirname, 'heap-per-breaker.ts');
const BREAKERS = 10_000;
const HEAP_ROUNDS = 3;

async function heapPerBreaker(contender: Contender): Promise<number> {
  const { stdout } = await run(process.execPath, ['--expose-gc', heapScript, contender, String(BREAKERS)]);
  return (JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { bytesPerBreaker: number })
    .bytesPerBreaker;
}

const IN_FLIGHT = 64;
const IO = `closed-state call, ${IN_FLIGHT} in flight, each done in a later turn`;
const NOOP = 'secondary, no-op microbenchmark (the event loop never turns)';

/** An operation that completes in a later event-loop turn, as a socket read would. */
const nextTurn = () => new Promise<number>((resolve) => setImmediate(resolve, 1));

/** Operations per second with `inFlight` calls running at once for about `durationMs`. */
async function inFlightOpsPerSecond(call: () => Promise<unknown>, inFlight: number, durationMs: number) {
  let done = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await call();
        done += 1;
      }
    }),
  );
  return (done / (performance.now() - started)) * 1_000;
}

/** The bare call, each contender, and the lab breaker reading performance.now() on every call. */
function variantsFor(operation: () => Promise<unknown>, index: number) {
  return [
    { name: 'no breaker', call: operation },
    ...CONTENDERS.map((contender) => ({
      name: contender,
      call: createContender(contender, index, undefined, 'event-loop', operation).call,
    })),
    // For transparency: the same breaker reading performance.now() on every start and end instead of
    // once per event-loop turn (see src/clock.ts). Reported, and one ratio, but not the headline.
    {
      name: 'lab (precise clock)',
      call: createContender('lab', index + 1, undefined, 'precise', operation).call,
    },
  ];
}

export default defineSuite('resilience', async () => {
  // The two shapes run as separate alternations: the no-op run allocates millions of promises, and
  // its garbage would otherwise be collected during whichever turn-shaped variant came next.
  // 15 rounds of 1 s for the turn-shaped calls: a call that waits for the next turn is at the mercy
  // of every other process on a shared machine, and the per-round ratios need more pairs to settle.
  const io = await alternate(
    variantsFor(nextTurn, 0).map(({ name, call }) => ({
      name: `${IO}: ${name}`,
      measure: () => inFlightOpsPerSecond(call, IN_FLIGHT, 1_000),
    })),
    { rounds: 15, warmupRounds: 1 },
  );
  const noop = await alternate(
    variantsFor(async () => 1, 10).map(({ name, call }) => ({
      name: `${NOOP}: ${name}`,
      measure: () => opsPerSecond(call, { durationMs: 400 }),
    })),
    { rounds: 9, warmupRounds: 1 },
  );
  const measured = new Map([...io, ...noop]);

  const results: ResultRow[] = [];
  for (const [name, summary] of measured) {
    results.push(resultRow(name, 'throughput', 'ops/s', summary));
    results.push(
      resultRow(name, 'time per call', 'ns/call', summarize(summary.samples.map((ops) => 1e9 / ops))),
    );
  }

  const heap = new Map<Contender, number[]>(CONTENDERS.map((c) => [c, []]));
  for (let round = 0; round < HEAP_ROUNDS; round += 1) {
    for (const contender of CONTENDERS) heap.get(contender)?.push(await heapPerBreaker(contender));
  }
  for (const [contender, samples] of heap) {
    results.push({
      name: `retained heap, ${BREAKERS} breakers: ${contender}`,
      metric: 'heap per breaker',
      unit: 'bytes/breaker',
      ...summarize(samples),
    });
  }

  const get = (name: string) => {
    const summary = measured.get(name);
    if (!summary) throw new Error(`missing variant ${name}`);
    return { ...summary, name };
  };
  return {
    results,
    ratios: [
      ratioOf('lab/opossum', get(`${IO}: lab`), get(`${IO}: opossum`)),
      ratioOf('lab/cockatiel', get(`${IO}: lab`), get(`${IO}: cockatiel`)),
      ratioOf('lab (precise clock)/cockatiel', get(`${IO}: lab (precise clock)`), get(`${IO}: cockatiel`)),
      ratioOf('lab/opossum (secondary: no-op)', get(`${NOOP}: lab`), get(`${NOOP}: opossum`)),
      ratioOf('lab/cockatiel (secondary: no-op)', get(`${NOOP}: lab`), get(`${NOOP}: cockatiel`)),
    ],
  };
});
