// `npm stop` and `npm run lab:restart`: signal a running `npm start` from another shell.
//   stop     SIGTERM: drain and stop everything it started; waits (bounded) until it has.
//   restart  SIGHUP: restart every service replica in turn behind HAProxy (see rolling-restart.ts).
import { existsSync, readFileSync } from 'node:fs';

const LAB_JSON = new URL('../../../.lab/run/lab.json', import.meta.url);
const WAIT_MS = 60_000;
const command = process.argv[2];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

if (command !== 'stop' && command !== 'restart') {
  console.error('usage: control.ts stop|restart');
  process.exit(2);
}
const pid = existsSync(LAB_JSON)
  ? (JSON.parse(readFileSync(LAB_JSON, 'utf8')) as { pid: number }).pid
  : undefined;
if (pid === undefined || !alive(pid)) {
  console.log('lab: not running');
  process.exit(command === 'stop' ? 0 : 1);
}
if (command === 'restart') {
  process.kill(pid, 'SIGHUP');
  console.log(`lab: asked ${pid} for a rolling restart; its output and .lab/run/*.log show the progress`);
  process.exit(0);
}
process.kill(pid, 'SIGTERM');
console.log(`lab: asked ${pid} to stop; waiting while the services drain`);
const deadline = Date.now() + WAIT_MS;
while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
if (alive(pid)) {
  console.error(`lab: ${pid} still runs after ${WAIT_MS / 1000} s; see .lab/run/*.log`);
  process.exit(1);
}
console.log('lab: stopped');
