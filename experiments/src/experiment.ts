// What an experiment is: a small module that states a claim from system-design practice (with
// the source figure), the variants it runs side by side, the load, what it measures and the rule
// that turns the measurements into a verdict. The runner (run.ts) runs it and writes the results;
// the module never writes files itself, so every experiment's output has one shape.
import type { Progress } from './progress.ts';

export type Verdict = 'reproduced' | 'not reproduced' | 'depends';

/** A table row: one variant (or one variant in one phase) and its measured values. */
export type Row = Record<string, string | number | boolean | null>;

/** A Vega-Lite spec without its data; the runner adds the values and renders it to SVG. */
export type ChartSpec = Record<string, unknown>;

export type Outcome<Raw = unknown> = {
  /** The results table of the write-up, one row per variant. */
  rows: Row[];
  /** Further tables when one experiment measures two things (e.g. memory, then accuracy). */
  moreTables?: { title: string; rows: Row[] }[];
  /** The chart: a Vega-Lite spec and the records it plots. */
  chart: { spec: ChartSpec; values: Row[] };
  /** Everything measured, kept in the JSON for anyone who wants to re-plot it. */
  raw: Raw;
  /** Facts worth a sentence in the write-up that the table does not show (scaling, noise). */
  notes?: string[];
};

export type Judgement = { verdict: Verdict; reason: string };

export type RunContext = {
  /** Short run for CI smoke tests: same code path, smaller load and fewer rounds. */
  quick: boolean;
  /** Seeds every random choice, so every variant sees the same arrivals. */
  seed: number;
  progress: Progress;
};

export type Experiment<Raw = unknown> = {
  /** kebab-case; names the output files. */
  name: string;
  title: string;
  /** The catalogue number in requirements-services.md §9 (or a pattern section), e.g. '§9 #8'. */
  catalogue: string;
  /** The claim being tested, with its source figure quoted. */
  claim: string;
  setup: string;
  variants: string[];
  load: string;
  measured: string;
  /** The verdict rule in words; judge() is the same rule in code. */
  verdictRule: string;
  /** Upper bound of a full run, for the progress line. */
  expectedSeconds: { full: number; quick: number };
  run(context: RunContext): Promise<Outcome<Raw>>;
  judge(outcome: Outcome<Raw>): Judgement;
};

export function defineExperiment<Raw>(experiment: Experiment<Raw>): Experiment<Raw> {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(experiment.name)) {
    throw new Error(`experiment name "${experiment.name}" must be kebab-case`);
  }
  return experiment;
}
