// Runs experiments: each one in turn, with progress lines, a time bound, its verdict, and its
// files written. A failing experiment is reported and the others still run; the exit code says
// whether any failed (a verdict of "not reproduced" is a result, not a failure).
import path from 'node:path';
import type { Experiment } from './experiment.ts';
import { describeMachine } from './machine.ts';
import { resultFile, writeResults } from './output.ts';
import { consoleProgress } from './progress.ts';

export type RunOptions = {
  quick: boolean;
  seed: number;
  /** Where results go: docs/experiments for full runs, an ignored folder for quick ones. */
  outDir: string;
  log?: (line: string) => void;
};

export type RunSummary = { name: string; verdict?: string; error?: string; seconds: number };

export const rootDir = path.resolve(import.meta.dirname, '../..');
export const docsDir = path.join(rootDir, 'docs', 'experiments');
export const quickDir = path.join(rootDir, '.lab', 'experiments-quick');

/** Past this, an experiment is stopped and reported as failed: a hung dependency must not hang CI. */
const HARD_LIMIT_SECONDS = { full: 240, quick: 120 };

export async function runExperiments(
  experiments: readonly Experiment[],
  options: RunOptions,
): Promise<RunSummary[]> {
  const log = options.log ?? console.log;
  const summaries: RunSummary[] = [];
  for (const [i, experiment] of experiments.entries()) {
    const expected = options.quick ? experiment.expectedSeconds.quick : experiment.expectedSeconds.full;
    log(`[${i + 1}/${experiments.length}] ${experiment.name}: ${experiment.title} (about ${expected} s)`);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const machine = describeMachine();
      const date = new Date().toISOString();
      const outcome = await withinLimit(
        experiment.run({
          quick: options.quick,
          seed: options.seed,
          progress: consoleProgress(experiment.name, log),
        }),
        options.quick ? HARD_LIMIT_SECONDS.quick : HARD_LIMIT_SECONDS.full,
      );
      const judgement = experiment.judge(outcome);
      const result = resultFile(experiment, outcome, judgement, {
        date,
        durationSeconds: seconds(),
        quick: options.quick,
        seed: options.seed,
        machine,
      });
      await writeResults(options.outDir, experiment, outcome, result);
      log(`  => ${judgement.verdict}: ${judgement.reason} (${seconds().toFixed(1)} s)`);
      summaries.push({ name: experiment.name, verdict: judgement.verdict, seconds: seconds() });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`  => FAILED after ${seconds().toFixed(1)} s: ${message}`);
      summaries.push({ name: experiment.name, error: message, seconds: seconds() });
    }
  }
  return summaries;
}

async function withinLimit<T>(work: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`stopped: over the ${seconds} s limit`)), seconds * 1000);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}
