// Graceful shutdown of an HTTP server plus whatever the service owns. The sequence:
//   1. not ready      - /health/ready answers 503, so the load balancer stops routing here;
//   2. drain period   - keep serving: requests already routed here (and those sent before the
//                       balancer's next probe) still succeed;
//   3. stop accepting - server.close(): the listener closes, new connections are refused, idle
//                       keep-alive sockets are closed and busy ones close after their response;
//   4. in-flight      - wait for those requests to finish;
//   5. workers        - stop consumers/relays (they may still need the pools);
//   6. clients        - close producer, Kafka admin, Redis, Postgres pools;
// all under one deadline; past it the caller exits 1 rather than hang a deploy.
import type { Server } from 'node:http';
import type { Logger } from './logger.ts';

export type ShutdownStep = { name: string; run: () => Promise<unknown> };

export type ShutdownPlan = {
  server: Server;
  logger: Logger;
  drainMs: number;
  timeoutMs: number;
  markNotReady: () => void;
  /** Stopped in order after the server is closed: workers first, then clients. */
  steps: ShutdownStep[];
};

export type ShutdownOutcome = { ok: boolean; durationMs: number; failed: string[] };

export async function gracefulShutdown(plan: ShutdownPlan): Promise<ShutdownOutcome> {
  const started = Date.now();
  const failed: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), plan.timeoutMs);
  });
  const sequence = (async () => {
    plan.markNotReady();
    plan.logger.info({ drainMs: plan.drainMs }, 'shutdown: not ready, draining');
    await sleep(plan.drainMs);
    plan.logger.info('shutdown: closing listener, waiting for in-flight requests');
    await closeServer(plan.server);
    for (const step of plan.steps) {
      try {
        await step.run();
      } catch (error) {
        failed.push(step.name);
        plan.logger.error({ err: error, step: step.name }, 'shutdown step failed');
      }
    }
    return 'done' as const;
  })();
  const result = await Promise.race([sequence, deadline]);
  clearTimeout(timer);
  const durationMs = Date.now() - started;
  if (result === 'timeout') {
    plan.logger.error({ timeoutMs: plan.timeoutMs }, 'shutdown: timed out');
    return { ok: false, durationMs, failed: [...failed, 'timeout'] };
  }
  plan.logger.info({ durationMs, failed }, 'shutdown: complete');
  return { ok: failed.length === 0, durationMs, failed };
}

/** Stops accepting and resolves once every in-flight request has finished. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) {
      resolve();
      return;
    }
    // close() ends idle keep-alive sockets once; a socket that is busy now becomes idle after its
    // response and would otherwise linger until keepAliveTimeout. Sweeping idle sockets every
    // 50 ms lets close() resolve as soon as the last in-flight response is written.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close((error) => {
      clearInterval(sweep);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
