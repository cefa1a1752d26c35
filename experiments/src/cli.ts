// `npm run experiment -- <name> [<name> ...] | --all | --list [--quick] [--seed N] [--out DIR]`.
// Full runs write docs/experiments/; quick runs (CI's smoke test) write .lab/experiments-quick/,
// which git ignores: quick numbers are too small to publish.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { experiments } from './experiments/index.ts';
import { docsDir, quickDir, runExperiments } from './run.ts';

export const DEFAULT_SEED = 17;

export function usage(): string {
  return 'usage: npm run experiment -- <name> [<name> ...] | --all | --list  [--quick] [--seed N] [--out DIR]';
}

export function listing(): string {
  return experiments
    .map((e) => `${e.name.padEnd(22)} ${e.catalogue.padEnd(10)} ${e.title} (~${e.expectedSeconds.full} s)`)
    .join('\n');
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage()}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.list) {
    console.log(listing());
    return 0;
  }
  const unknown = positionals.filter((name) => !experiments.some((e) => e.name === name));
  if (unknown.length > 0 || (!values.all && positionals.length === 0)) {
    if (unknown.length > 0) console.error(`unknown experiment: ${unknown.join(', ')} (see --list)`);
    console.error(usage());
    return 2;
  }
  const seed = Number(values.seed ?? DEFAULT_SEED);
  if (!Number.isInteger(seed)) {
    console.error(`--seed must be an integer\n${usage()}`);
    return 2;
  }
  const chosen = values.all ? experiments : experiments.filter((e) => positionals.includes(e.name));
  const quick = values.quick ?? false;
  const outDir = values.out ? path.resolve(values.out) : quick ? quickDir : docsDir;
  const started = performance.now();
  const summaries = await runExperiments(chosen, { quick, seed, outDir });
  const failed = summaries.filter((s) => s.error);
  console.log(
    `\n${summaries.length} experiment(s) in ${((performance.now() - started) / 1000).toFixed(0)} s; results in ${outDir}`,
  );
  for (const s of summaries) console.log(`  ${s.name.padEnd(22)} ${s.error ? 'FAILED' : s.verdict}`);
  return failed.length > 0 ? 1 : 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      all: { type: 'boolean' },
      list: { type: 'boolean' },
      quick: { type: 'boolean' },
      seed: { type: 'string' },
      out: { type: 'string' },
    },
  });
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  // Experiments may leave client sockets behind (a Kafka reconnect timer); the results are written.
  process.exit(code);
}
