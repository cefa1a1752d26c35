// CPU time a process spent on a core (user + system), read from /proc/<pid>/stat. Throughput on a
// shared machine depends on what else runs; CPU per operation does not (a process that waits for a
// core is not charged for the wait). Suites that drive a server report both: the throughput ratio
// is the claim, CPU per request says where the difference comes from and holds under noise.
// Linux only (the lab's machines); elsewhere it returns undefined and the rows are skipped.
import { readFileSync } from 'node:fs';

// Clock ticks per second for utime/stime (USER_HZ): 100 on every Linux the lab runs on.
const TICKS_PER_SECOND = 100;

/** CPU seconds used so far by `pid`, or undefined where /proc is not available. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which is in parentheses and may contain spaces): utime is the
    // 14th field of the line, stime the 15th, i.e. the 12th and 13th after the closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
