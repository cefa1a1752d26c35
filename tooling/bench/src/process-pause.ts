// Measuring one server of several a suite started: the others are paused (SIGSTOP) for the
// measurement and resumed (SIGCONT) after it, so the measured server shares the machine with its
// load generator only. An idle service is not idle: its timers, pollers, heartbeats and
// keep-alives wake it dozens of times a second, and on a two-core machine eight such neighbours
// took a visible share of the cores from whichever server was being measured. Pausing them gives
// every variant the same quiet machine, which is what a side-by-side comparison assumes.
//
// The trade-off: a paused process's timers fire late when it resumes. Each server is resumed
// before its own measurement, so any catch-up work it does is charged to it, not hidden.
// Linux only, like processCpuSeconds: the state is read from /proc.
import { readFileSync } from 'node:fs';

/** How long a signal may take to show in /proc before the pause is reported as failed. */
const STATE_TIMEOUT_MS = 5_000;

/** The process state letter from /proc/<pid>/stat ('T' stopped, 'R', 'S' ...), or undefined once gone. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** Polls until `done` or STATE_TIMEOUT_MS; a signal is delivered asynchronously. */
async function waitForState(pid: number, done: (state: string | undefined) => boolean, what: string) {
  const deadline = Date.now() + STATE_TIMEOUT_MS;
  while (!done(processState(pid))) {
    if (Date.now() > deadline)
      throw new Error(`process ${pid} did not ${what} within ${STATE_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Stops each process and waits until the kernel shows it stopped (or gone). */
export async function pauseProcesses(pids: readonly number[]): Promise<void> {
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  for (const pid of pids) await waitForState(pid, (state) => state === 'T' || state === undefined, 'stop');
}

/** Continues each process (a process that is not stopped ignores SIGCONT) and waits until it runs. */
export async function resumeProcesses(pids: readonly number[]): Promise<void> {
  for (const pid of pids) if (processState(pid) !== undefined) process.kill(pid, 'SIGCONT');
  for (const pid of pids) await waitForState(pid, (state) => state !== 'T', 'continue');
}

/**
 * Runs `measure` with `others` paused, and resumes them whatever happens, also when pausing one of
 * them fails: a server left stopped would ignore the SIGTERM the suite ends with and hang it.
 */
export async function withOthersPaused<T>(others: readonly number[], measure: () => Promise<T>): Promise<T> {
  try {
    await pauseProcesses(others);
    return await measure();
  } finally {
    await resumeProcesses(others);
  }
}
