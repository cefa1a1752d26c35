// Writes one experiment's results: <name>.json (raw results and the machine), <name>.svg (the
// chart) and <name>.md (claim, setup, table, chart, verdict), and rebuilds the README index from
// every JSON in the folder, so the index never lists a verdict that has no results behind it.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderChart } from './chart.ts';
import type { Experiment, Judgement, Outcome, Row } from './experiment.ts';
import type { Machine } from './machine.ts';

export type ResultFile = {
  experiment: string;
  title: string;
  catalogue: string;
  claim: string;
  date: string;
  durationSeconds: number;
  quick: boolean;
  seed: number;
  machine: Machine;
  verdict: Judgement['verdict'];
  reason: string;
  rows: Row[];
  moreTables: { title: string; rows: Row[] }[];
  notes: string[];
  chartValues: Row[];
  raw: unknown;
};

export function resultFile(
  experiment: Experiment,
  outcome: Outcome,
  judgement: Judgement,
  meta: { date: string; durationSeconds: number; quick: boolean; seed: number; machine: Machine },
): ResultFile {
  return {
    experiment: experiment.name,
    title: experiment.title,
    catalogue: experiment.catalogue,
    claim: experiment.claim,
    ...meta,
    verdict: judgement.verdict,
    reason: judgement.reason,
    rows: outcome.rows,
    moreTables: outcome.moreTables ?? [],
    notes: outcome.notes ?? [],
    chartValues: outcome.chart.values,
    raw: outcome.raw,
  };
}

export async function writeResults(
  dir: string,
  experiment: Experiment,
  outcome: Outcome,
  result: ResultFile,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const svg = await renderChart(outcome.chart.spec, outcome.chart.values, experiment.title);
  await writeFile(path.join(dir, `${experiment.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(path.join(dir, `${experiment.name}.svg`), svg);
  await writeFile(path.join(dir, `${experiment.name}.md`), markdown(experiment, result));
  await writeIndex(dir);
}

export function markdown(experiment: Experiment, r: ResultFile): string {
  const m = r.machine;
  return [
    `# ${experiment.title}`,
    '',
    `> **Claim** (catalogue ${experiment.catalogue}): ${experiment.claim}`,
    '',
    `**Verdict: ${r.verdict}.** ${capitalize(r.reason)}`,
    '',
    '## Setup',
    '',
    experiment.setup,
    '',
    `- **Variants:** ${experiment.variants.join('; ')}.`,
    `- **Load:** ${experiment.load}`,
    `- **Measured:** ${experiment.measured}`,
    `- **Verdict rule:** ${experiment.verdictRule}`,
    '',
    '## Results',
    '',
    table(r.rows),
    '',
    ...r.moreTables.flatMap((t) => [`**${t.title}**`, '', table(t.rows), '']),
    `![${experiment.title}](${experiment.name}.svg)`,
    '',
    ...(r.notes.length > 0 ? [...r.notes.map((note) => `- ${note}`), ''] : []),
    `Run ${r.date}${r.quick ? ' (quick mode)' : ''}, ${r.durationSeconds.toFixed(0)} s, seed ${r.seed}, on ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}; load average ${m.loadAverage} at the start. The machine is shared with other jobs, so absolute latencies are noisy; the variants of one run get the same seed and load (side by side at the same moments where they do not compete for a resource, one after another where they would), and their comparison is what the verdict uses. Raw results: [${experiment.name}.json](${experiment.name}.json).`,
    '',
    `Reproduce: \`npm run experiment -- ${experiment.name}\` (needs the local stack: \`npm run infra:local -- up\`).`,
    '',
  ].join('\n');
}

export function table(rows: readonly Row[]): string {
  if (rows.length === 0) return '(no rows)';
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: Row[string] | undefined) =>
    value === undefined || value === null
      ? ''
      : typeof value === 'number'
        ? formatNumber(value)
        : String(value);
  return [
    `| ${columns.join(' | ')} |`,
    `| ${columns.map((c) => (typeof rows[0]?.[c] === 'number' ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((row) => `| ${columns.map((c) => cell(row[c])).join(' | ')} |`),
  ].join('\n');
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 1 ? value.toFixed(2) : value.toPrecision(2);
}

/** README.md: one line per experiment with a results file, in catalogue order. */
export async function writeIndex(dir: string): Promise<void> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const parsed = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as Partial<ResultFile>),
  );
  // Other JSON may live here (the folder's biome.json): a results file names its experiment.
  const results = parsed.filter((r): r is ResultFile => typeof r.experiment === 'string' && !!r.verdict);
  const lines = results
    .sort((a, b) => catalogueOrder(a.catalogue) - catalogueOrder(b.catalogue))
    .map(
      (r) =>
        `- [${r.title}](${r.experiment}.md) (${r.catalogue}): **${r.verdict}**. ${capitalize(firstSentence(r.reason))}`,
    );
  const text = [
    '# Experiments',
    '',
    'Each experiment runs two or more variants of one pattern under the same seed and load, against the real Redis, Postgres and Kafka, and publishes what it measured, including when the claim does not hold. Catalogue numbers refer to the requirements catalogue (services §9). Run one with `npm run experiment -- <name>`, all with `npm run experiment -- --all`, list them with `npm run experiment -- --list`.',
    '',
    ...lines,
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'README.md'), text);
}

function catalogueOrder(catalogue: string): number {
  const n = /#(\d+)/.exec(catalogue);
  return n ? Number(n[1]) : 1000;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end === -1 ? text : text.slice(0, end + 1);
}
