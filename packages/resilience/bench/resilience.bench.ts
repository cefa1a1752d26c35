// Suite `resilience`: what a circuit breaker costs in the closed state, the state every call to
// Redis or an upstream is in nearly all the time. This package's breaker vs opossum vs cockatiel on a
// no-op async call (plus the bare call, so the breaker's own overhead shows), alternating rounds;
// then the retained heap of 10,000 breakers of each library, each measured in its own process.
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

export default defineSuite('resilience', async () => {
  const bare = async () => 1;
  const variants = [
    { name: 'no breaker', call: bare as () => Promise<unknown> },
    ...CONTENDERS.map((contender) => ({ name: contender, call: createContender(contender, 0).call })),
    // For transparency: the same breaker reading performance.now() on every start and end instead of
    // once per event-loop turn (see src/clock.ts). Reported, not part of the ratios.
    { name: 'lab (precise clock)', call: createContender('lab', 1, undefined, 'precise').call },
  ];
  const measured = await alternate(
    variants.map(({ name, call }) => ({ name, measure: () => opsPerSecond(call, { durationMs: 400 }) })),
    { rounds: 9, warmupRounds: 1 },
  );

  const results: ResultRow[] = [];
  for (const [name, summary] of measured) {
    const label = `closed-state call: ${name}`;
    results.push(resultRow(label, 'throughput', 'ops/s', summary));
    results.push(
      resultRow(label, 'time per call', 'ns/call', summarize(summary.samples.map((ops) => 1e9 / ops))),
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
    return { ...summary, name: `closed-state call: ${name}` };
  };
  return {
    results,
    ratios: [
      ratioOf('lab/opossum', get('lab'), get('opossum')),
      ratioOf('lab/cockatiel', get('lab'), get('cockatiel')),
    ],
  };
});
