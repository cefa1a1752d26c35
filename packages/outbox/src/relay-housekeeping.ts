// What the leader does besides publishing, throttled, after each cycle: refresh the gauges that say
// whether it keeps up (backlog, lag, dead letters) -- after failed cycles too, because an outage
// is exactly when they matter -- and delete published rows past their retention, in chunks.
import type pg from 'pg';
import { deletePublishedEvents } from './cleanup.ts';
import type { RelayMetrics } from './metrics.ts';

// count(*) walks the partial index of unpublished rows: cheap while the relay keeps up, and
// bounded by the throttle when it does not.
const GAUGES = `
  SELECT (SELECT count(*)::int FROM outbox WHERE published_at IS NULL) AS backlog,
         (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM outbox WHERE published_at IS NULL) AS lag,
         (SELECT count(*)::int FROM outbox_dead_letters) AS dead_letters`;

export type Housekeeping = {
  refreshGauges(now: number): Promise<void>;
  /** Only after a successful cycle: no point cleaning while broken. */
  cleanup(now: number): Promise<void>;
};

export function createHousekeeping(options: {
  pool: pg.Pool;
  name: string;
  metrics: RelayMetrics;
  metricsIntervalMs: number;
  retentionMs: number;
  cleanupIntervalMs: number;
  onError: (error: unknown) => void;
}): Housekeeping {
  const { pool, name, metrics, metricsIntervalMs, retentionMs, cleanupIntervalMs, onError } = options;
  const labels = { outbox: name };
  let lastMetrics = 0;
  let lastCleanup = 0;
  return {
    async refreshGauges(now) {
      if (now - lastMetrics < metricsIntervalMs) return;
      lastMetrics = now;
      try {
        const { rows } = await pool.query<{ backlog: number; lag: number | null; dead_letters: number }>(
          GAUGES,
        );
        metrics.backlog.set(labels, rows[0]?.backlog ?? 0);
        metrics.lagSeconds.set(labels, Math.max(0, rows[0]?.lag ?? 0));
        metrics.deadLetters.set(labels, rows[0]?.dead_letters ?? 0);
      } catch (error) {
        onError(error);
      }
    },
    async cleanup(now) {
      if (retentionMs === 0 || now - lastCleanup < cleanupIntervalMs) return;
      lastCleanup = now;
      await deletePublishedEvents(pool, { olderThanMs: retentionMs });
    },
  };
}
