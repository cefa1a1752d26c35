// Keeps the idempotent consumer's memory bounded: outbox_processed_events gains a row per event,
// forever, unless someone deletes old rows. Each consumer prunes its own group's records older than
// `processedRetentionMs`, at start and then every `pruneIntervalMs`.
//
// The retention must exceed every window in which Kafka can deliver an event again (topic
// retention, an offset reset to the earliest offset): a record deleted sooner lets a redelivered
// event run its handler a second time. Several members of a group prune the same rows; the
// deletes are chunked and idempotent, so that costs a few empty statements, never a wrong result.
import type pg from 'pg';
import { deleteProcessedEvents } from './cleanup.ts';

export type ProcessedPruner = { stop(): Promise<void> };

export function startProcessedPruner(options: {
  pool: pg.Pool;
  groupId: string;
  retentionMs: number;
  intervalMs: number;
  onError: (error: unknown) => void;
}): ProcessedPruner {
  const { pool, groupId, retentionMs, intervalMs, onError } = options;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const prune = () => {
    running = deleteProcessedEvents(pool, { olderThanMs: retentionMs, groupId }).then(
      () => {},
      (error: unknown) => onError(error),
    );
    // The next run is scheduled after this one ends: a slow delete never overlaps itself.
    void running.then(() => {
      if (!stopped) timer = setTimeout(prune, intervalMs).unref();
    });
  };
  timer = setTimeout(prune, 0).unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
