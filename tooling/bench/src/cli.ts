// `npm run bench -- <suite> [<suite> ...]`: finds <workspace>/bench/<suite>.bench.ts, runs it and
// writes bench/results/<suite>.json. `npm run bench -- --list` lists the suites.
import { glob } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeSuiteResults } from './results.ts';
import type { Suite } from './suite.ts';

const rootDir = path.resolve(import.meta.dirname, '../../..');

async function findSuites(): Promise<Map<string, string>> {
  const suites = new Map<string, string>();
  for await (const file of glob('{packages,services,tooling}/*/bench/*.bench.ts', { cwd: rootDir })) {
    suites.set(path.basename(file, '.bench.ts'), path.join(rootDir, file));
  }
  return suites;
}

async function main(args: string[]): Promise<void> {
  const suites = await findSuites();
  if (args.length === 0 || args.includes('--list')) {
    console.log(`suites: ${[...suites.keys()].sort().join(', ')}`);
    console.log('run: npm run bench -- <suite>');
    if (args.length === 0) process.exitCode = 2;
    return;
  }
  for (const name of args) {
    const file = suites.get(name);
    if (!file) throw new Error(`no benchmark suite "${name}"; known: ${[...suites.keys()].join(', ')}`);
    const suite = ((await import(pathToFileURL(file).href)) as { default: Suite }).default;
    console.log(`bench ${name}: running ${path.relative(rootDir, file)}`);
    const output = await suite.run();
    const written = await writeSuiteResults(rootDir, name, output.results, output.ratios);
    for (const row of written.results) {
      console.log(
        `  ${row.name} ${row.metric}: median ${fmt(row.median)} ${row.unit} (min ${fmt(row.min)}, max ${fmt(row.max)})`,
      );
    }
    for (const ratio of written.ratios) console.log(`  ratio ${ratio.name}: ${ratio.median.toFixed(3)}`);
    console.log(`  wrote bench/results/${name}.json`);
  }
}

function fmt(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

await main(process.argv.slice(2));
// Suites may leave sockets (Redis, Kafka) behind; the run is over once the files are written.
process.exit(process.exitCode ?? 0);
