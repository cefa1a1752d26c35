// A rolling restart: each replica in turn is stopped (it drains: not-ready first, so HAProxy takes
// it out of the pool), started again, and only once HAProxy itself reports it UP does the next
// one go. Waiting for HAProxy's view, not just the replica's readiness, is what keeps one replica
// of every service in the pool at every moment; restarting on the replica's word alone can catch
// HAProxy before its `rise 2` checks have passed and leave a backend with no server.
import { waitForHaproxy } from './haproxy-stats.ts';
import { type LabProcess, startProcess, stopProcess, waitUntilReady } from './processes.ts';

const STEP_TIMEOUT_MS = 60_000;

/** Restarts every service replica in `processes` (edited in place) one at a time. */
export async function rollingRestart(processes: LabProcess[], say: (line: string) => void): Promise<void> {
  const replicasOf = (backend: string) => processes.filter((p) => p.name.startsWith(`${backend}/`)).length;
  for (const [index, old] of processes.entries()) {
    const [backend, server] = old.name.split('/');
    if (!backend || !server) continue; // HAProxy and Prometheus are not replicas
    // A single instance (provider-sim, by design) cannot restart without a gap: a deploy of it is
    // a planned outage, not a rolling restart.
    if (replicasOf(backend) < 2) continue;
    say(`restarting ${old.name}`);
    await stopProcess(old, 30_000);
    const fresh = startProcess(old.spec);
    processes[index] = fresh;
    const problem = await waitUntilReady(fresh, `${fresh.url}/health/ready`, STEP_TIMEOUT_MS);
    if (problem) throw new Error(`${fresh.name} did not come back: ${problem}`);
    await waitForHaproxy(backend, server, 'UP', STEP_TIMEOUT_MS);
  }
  say('rolling restart done');
}
