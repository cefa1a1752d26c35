// Liveness and readiness. Live = the process answers (restart me if not). Ready = send me
// traffic: every dependency check passes and we are not draining. Checks run in parallel, each
// under a short timeout, so one hung dependency cannot make the probe itself hang past the load
// balancer's probe timeout. Deep checks are cheap by design (SELECT 1, PING, cluster metadata).
import { TimeoutError, withTimeout } from '@lab/resilience';
import type { RequestHandler } from 'express';

export type ReadinessCheck = {
  name: string;
  /** Resolves when healthy; throws (or rejects) when not. */
  check: () => Promise<unknown>;
  /** Per-check bound; default the health's `timeoutMs`. */
  timeoutMs?: number;
};

export type CheckResult = { name: string; ok: boolean; durationMs: number; error?: string };
export type ReadinessReport = { status: 'ready' | 'not_ready'; draining: boolean; checks: CheckResult[] };

export type Health = {
  addCheck(check: ReadinessCheck): void;
  /** After this, readiness reports 503 whatever the checks say (SIGTERM, drain). */
  setDraining(draining: boolean): void;
  readonly draining: boolean;
  readiness(): Promise<ReadinessReport>;
  liveHandler: RequestHandler;
  readyHandler: RequestHandler;
};

export function createHealth({ timeoutMs = 1_000 }: { timeoutMs?: number } = {}): Health {
  const checks: ReadinessCheck[] = [];
  let draining = false;

  // Single flight per check: while a dependency hangs, each probe would otherwise start one more
  // call that outlives its timeout (client retries keep it going), piling up work exactly when
  // the dependency is struggling. A probe that finds a call still running waits on that one.
  const pending = new Map<ReadinessCheck, Promise<unknown>>();
  const callOnce = (c: ReadinessCheck): Promise<unknown> => {
    let call = pending.get(c);
    if (!call) {
      call = c.check().finally(() => pending.delete(c));
      pending.set(c, call);
    }
    return call;
  };

  const run = async (c: ReadinessCheck): Promise<CheckResult> => {
    const started = performance.now();
    try {
      await withTimeout(callOnce(c), c.timeoutMs ?? timeoutMs);
      return { name: c.name, ok: true, durationMs: elapsed(started) };
    } catch (error) {
      // The reason is the dependency's name plus a short message; connection strings never
      // appear in these errors' messages from pg/ioredis/kafkajs, and the endpoint is internal.
      return { name: c.name, ok: false, durationMs: elapsed(started), error: shortMessage(error) };
    }
  };

  const health: Health = {
    addCheck: (check) => void checks.push(check),
    setDraining: (value) => {
      draining = value;
    },
    get draining() {
      return draining;
    },
    async readiness() {
      const results = await Promise.all(checks.map(run));
      const ok = !draining && results.every((r) => r.ok);
      return { status: ok ? 'ready' : 'not_ready', draining, checks: results };
    },
    liveHandler: (_req, res) => {
      res.set('Cache-Control', 'no-store').json({ status: 'live' });
    },
    readyHandler: async (_req, res) => {
      const report = await health.readiness();
      res
        .status(report.status === 'ready' ? 200 : 503)
        .set('Cache-Control', 'no-store')
        .json(report);
    },
  };
  return health;
}

// The lab's one withTimeout/TimeoutError (@lab/resilience), re-exported from the kit's index so
// services that imported them from here keep working.
export { TimeoutError, withTimeout };

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function shortMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 200);
}
