// withOthersPaused on real processes: a paused process gets no CPU at all while the measurement
// runs, and runs again afterwards, also when the measurement throws.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { processCpuSeconds, withOthersPaused } from '../src/index.ts';

const spinners: ChildProcess[] = [];

/** A process that keeps a core busy, as a server under load would. */
function spinner(): number {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  spinners.push(child);
  if (child.pid === undefined) throw new Error('spawn failed');
  return child.pid;
}

/** Resolves once `pid` has used more CPU than it had: it is running. */
async function usesCpu(pid: number): Promise<void> {
  const start = processCpuSeconds(pid) ?? 0;
  while ((processCpuSeconds(pid) ?? 0) <= start) await new Promise((resolve) => setTimeout(resolve, 20));
}

after(async () => {
  for (const child of spinners) {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
});

describe('withOthersPaused', () => {
  it('gives a paused process no CPU during the measurement, and lets it run after', async () => {
    const pid = spinner();
    await usesCpu(pid);
    const used = await withOthersPaused([pid], async () => {
      const before = processCpuSeconds(pid);
      // A busy process gains a clock tick (10 ms) of CPU every 10 ms it runs; 300 ms paused, none.
      await new Promise((resolve) => setTimeout(resolve, 300));
      return (processCpuSeconds(pid) ?? 0) - (before ?? 0);
    });
    assert.equal(used, 0);
    await usesCpu(pid);
  });

  it('resumes the ones it paused when another cannot be paused', async () => {
    const pid = spinner();
    const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await once(gone, 'exit');
    await assert.rejects(
      withOthersPaused([pid, gone.pid ?? -1], async () => 'measured'),
      /ESRCH/,
    );
    await usesCpu(pid);
  });

  it('resumes the others when the measurement throws', async () => {
    const pid = spinner();
    await assert.rejects(
      withOthersPaused([pid], async () => {
        throw new Error('measurement failed');
      }),
      /measurement failed/,
    );
    await usesCpu(pid);
  });
});
