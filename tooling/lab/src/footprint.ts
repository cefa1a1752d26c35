// `npm run lab:footprint`: the memory the running `npm start` lab uses, measured, not declared:
// the resident set (RSS, from ps) of every process the lab started (replicas, HAProxy,
// Prometheus, the lab itself) and of the infra/local dependencies, first idle, then at the peak
// of a steady load through HAProxy (open loop, `--rate` requests/s for `--seconds`).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FRONT_DOOR_PORT, labServices } from './catalogue.ts';
import { labToken } from './environment.ts';
import { steadyLoad } from './steady-load.ts';

const ROOT = new URL('../../../', import.meta.url);
const LAB_JSON = new URL('.lab/run/lab.json', ROOT);
const INFRA = /postgres|redis-server|kafka\.Kafka|toxiproxy-server/;

type Proc = { pid: number; ppid: number; rssKb: number; command: string };

function processes(): Proc[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => {
      const [pid, ppid, rss, ...args] = line.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), rssKb: Number(rss), command: args.join(' ') };
    });
}

/** RSS in MiB of the lab's process tree and of the infra/local processes. */
export function sample(labPid: number): { lab: number; infra: number; count: number } {
  const all = processes();
  const tree = new Set([labPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all)
      if (tree.has(p.ppid) && !tree.has(p.pid)) {
        tree.add(p.pid);
        grew = true;
      }
  }
  const mib = (list: Proc[]) => Math.round(list.reduce((sum, p) => sum + p.rssKb, 0) / 1024);
  const lab = all.filter((p) => tree.has(p.pid));
  return {
    lab: mib(lab),
    infra: mib(all.filter((p) => !tree.has(p.pid) && INFRA.test(p.command))),
    count: lab.length,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rate: { type: 'string', default: '200' }, seconds: { type: 'string', default: '30' } },
  });
  if (!existsSync(LAB_JSON)) throw new Error('the lab is not running: start it with npm start');
  const { pid } = JSON.parse(readFileSync(LAB_JSON, 'utf8')) as { pid: number };
  const idle = sample(pid);
  console.log(`idle:       lab ${idle.lab} MiB in ${idle.count} processes; infra/local ${idle.infra} MiB`);
  const urls = labServices(ROOT).flatMap((s) =>
    [...s.readPaths, ...(s.patternPaths ?? [])].map(
      (path) => `http://127.0.0.1:${s.routes.length > 0 ? FRONT_DOOR_PORT : s.port}${path}`,
    ),
  );
  const peak = { ...idle };
  const timer = setInterval(() => {
    const now = sample(pid);
    peak.lab = Math.max(peak.lab, now.lab);
    peak.infra = Math.max(peak.infra, now.infra);
  }, 1_000);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const until = new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
  const headers = { authorization: `Bearer ${await labToken(ROOT, 'lab-user')}` };
  const report = await steadyLoad({ urls, rate, until, maxRequests: rate * seconds * 2, headers });
  clearInterval(timer);
  console.log(
    `under load: lab ${peak.lab} MiB, infra/local ${peak.infra} MiB (peak of 1 s samples; ${rate} req/s for ${seconds} s, ${report.sent} sent, ${report.failed} failed)`,
  );
}

if (import.meta.main) await main();
