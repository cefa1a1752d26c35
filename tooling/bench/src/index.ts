// @lab/bench: the benchmark harness. Ratios against a baseline measured in the same run.
export { type AlternateOptions, alternate, opsPerSecond, type Variant } from './alternate.ts';
export { type HttpLoadOptions, type HttpLoadResult, runHttpLoad } from './http-load.ts';
export { processCpuSeconds } from './process-cpu.ts';
export { pauseProcesses, resumeProcesses, withOthersPaused } from './process-pause.ts';
export {
  type RatioRow,
  type ResultRow,
  ratioOf,
  resultRow,
  type SuiteResults,
  writeSuiteResults,
} from './results.ts';
export { percentile, type Summary, summarize } from './stats.ts';
export { defineSuite, type Suite, type SuiteOutput } from './suite.ts';
