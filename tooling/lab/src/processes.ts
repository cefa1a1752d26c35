// The lab's child processes: each started with its output in a log file of its own, stopped with
// SIGTERM (so a service drains) and, past a bound, SIGKILL.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export type ProcessSpec = {
  name: string;
  url: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd: string;
  logFile: string;
};

export type LabProcess = {
  spec: ProcessSpec;
  name: string;
  /** Where it can be reached, for the status table. */
  url: string;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<string>;
};

export function startProcess(options: ProcessSpec): LabProcess {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = once(child, 'exit').then(([code, signal]) => (signal ? String(signal) : `exit ${code}`));
  return { spec: options, name: options.name, url: options.url, logFile: options.logFile, child, exited };
}

export function isRunning(process: LabProcess): boolean {
  return process.child.exitCode === null && process.child.signalCode === null;
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopProcess(process: LabProcess, graceMs: number): Promise<string> {
  if (!isRunning(process)) return process.exited;
  process.child.kill('SIGTERM');
  const timer = setTimeout(() => process.child.kill('SIGKILL'), graceMs);
  try {
    return await process.exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `url` until it answers 2xx, the process dies, or `timeoutMs` passes. Returns null when
 * ready, else why not (for the "did not come up" line).
 */
export async function waitUntilReady(
  process: LabProcess | undefined,
  url: string,
  timeoutMs: number,
): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (process && !isRunning(process)) return `exited (${await process.exited}); see ${process.logFile}`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return null;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return `not ready after ${timeoutMs / 1000} s (${last})`;
}
