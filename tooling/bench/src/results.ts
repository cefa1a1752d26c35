// The results file every suite writes: bench/results/<suite>.json, in the format DESIGN.md fixes,
// so charts and notes read one shape.
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { type Summary, summarize } from './stats.ts';

export type ResultRow = { name: string; metric: string; unit: string } & Summary;
export type RatioRow = { name: string; numerator: string; denominator: string; median: number };
export type SuiteResults = {
  suite: string;
  date: string;
  machine: { cpus: number; node: string };
  results: ResultRow[];
  ratios: RatioRow[];
};

export function resultsFile(rootDir: string, suite: string): string {
  return path.join(rootDir, 'bench', 'results', `${suite}.json`);
}

export async function writeSuiteResults(
  rootDir: string,
  suite: string,
  results: ResultRow[],
  ratios: RatioRow[],
): Promise<SuiteResults> {
  const document: SuiteResults = {
    suite,
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism(), node: process.version },
    results,
    ratios,
  };
  const file = resultsFile(rootDir, suite);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
  return document;
}

/**
 * A results row from a summary. Only median, min and max are kept: the summaries alternate() returns
 * also carry their raw samples, which belong in the ratio, not in the file.
 */
export function resultRow(
  name: string,
  metric: string,
  unit: string,
  { median, min, max }: Summary,
): ResultRow {
  return { name, metric, unit, median, min, max };
}

/**
 * The ratio of two rows' medians. Each round pairs one numerator and one denominator sample
 * measured back to back, so the median of per-round ratios is used when samples are given:
 * it cancels drift between rounds better than a ratio of two medians.
 */
export function ratioOf(
  name: string,
  numerator: { name: string; median: number; samples?: number[] },
  denominator: { name: string; median: number; samples?: number[] },
): RatioRow {
  const a = numerator.samples;
  const b = denominator.samples;
  const median =
    a && b && a.length === b.length && a.length > 0
      ? summarize(a.map((value, i) => value / (b[i] as number))).median
      : numerator.median / denominator.median;
  return { name, numerator: numerator.name, denominator: denominator.name, median };
}
