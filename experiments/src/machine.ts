// The machine a result was measured on, stored with every result: an experiment's numbers only
// mean something next to the cores, the Node version and how busy the machine was.
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export type Machine = {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
  /** 1-minute load average when the run started: above the core count, the machine was shared. */
  loadAverage: number;
};

export function describeMachine(): Machine {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
