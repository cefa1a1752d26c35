// HAProxy's own view of its servers, read from the stats page's CSV: the lab waits on it, because
// a replica that answers /health/ready is in the pool only once HAProxy's checks have seen it so.
import { HAPROXY_STATS_PORT } from './catalogue.ts';

/** HAProxy's status of one server (`UP`, `DOWN`, `MAINT`, ...) from its stats CSV. */
export async function haproxyServerStatus(backend: string, server: string): Promise<string | undefined> {
  const csv = await (await fetch(`http://127.0.0.1:${HAPROXY_STATS_PORT}/;csv`)).text();
  const header = csv.split('\n')[0]?.replace(/^# /, '').split(',') ?? [];
  const statusColumn = header.indexOf('status');
  for (const line of csv.split('\n').slice(1)) {
    const cells = line.split(',');
    if (cells[0] === backend && cells[1] === server) return cells[statusColumn];
  }
  return undefined;
}

/** Waits until HAProxy's own checks report the server in state `want`. */
export async function waitForHaproxy(
  backend: string,
  server: string,
  want: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await haproxyServerStatus(backend, server))?.startsWith(want)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`HAProxy did not see ${backend}/${server} ${want} within ${timeoutMs / 1000} s`);
}
