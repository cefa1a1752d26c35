// Child process of the `resilience` suite: retained heap of 10,000 breakers of one library.
// Run as `node --expose-gc heap-per-breaker.ts <lab|opossum|cockatiel> [count]`; prints
// {"bytesPerBreaker": n}. A process per measurement, so no library's leftovers skew another's heap.
import { Registry } from 'prom-client';
import { type Contender, createContender } from './contenders.ts';

const contender = process.argv[2] as Contender;
const count = Number(process.argv[3] ?? 10_000);
const gc = globalThis.gc;
if (!gc) throw new Error('run with --expose-gc');

function settledHeap(): number {
  for (let i = 0; i < 4; i += 1) gc?.();
  return process.memoryUsage().heapUsed;
}

// Warm up: load the library's code and lazily created shared state before the baseline.
const registry = new Registry(); // one registry for all, as in a service
const warm = createContender(contender, -1, registry);
await warm.call();
const before = settledHeap();
const kept: unknown[] = new Array(count);
for (let i = 0; i < count; i += 1) kept[i] = createContender(contender, i, registry).breaker;
const afterCreate = settledHeap();
console.log(
  JSON.stringify({ contender, count, bytesPerBreaker: (afterCreate - before) / count, kept: kept.length }),
);
// opossum arms an interval per breaker for its rolling buckets; exit instead of shutting each down.
process.exit(0);
