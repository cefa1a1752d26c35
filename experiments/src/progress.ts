// Progress lines for long runs: one line per step with the elapsed time, so a CI log shows where a
// slow run spends its minutes. Tests pass a silent one.
export type Progress = {
  step(message: string): void;
};

export function consoleProgress(label: string, write: (line: string) => void = console.log): Progress {
  const started = performance.now();
  return {
    step(message) {
      const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(5);
      write(`  [${label} ${seconds}s] ${message}`);
    },
  };
}

export const silentProgress: Progress = { step() {} };
