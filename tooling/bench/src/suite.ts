// How a benchmark suite is declared. A suite lives beside the code it measures, in
// `<workspace>/bench/<suite>.bench.ts`, and default-exports defineSuite(...).
import type { RatioRow, ResultRow } from './results.ts';

export type SuiteOutput = { results: ResultRow[]; ratios: RatioRow[] };

export type Suite = {
  name: string;
  run: () => Promise<SuiteOutput>;
};

export function defineSuite(name: string, run: () => Promise<SuiteOutput>): Suite {
  return { name, run };
}
