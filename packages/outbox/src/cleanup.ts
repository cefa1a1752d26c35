// Housekeeping: published outbox rows are kept for a retention period (to answer "what did we send,
// and when?") and then deleted in bounded chunks, so one cleanup never holds a long lock or makes a
// huge transaction. Processed-event rows of consumers are pruned the same way, but their retention
// must exceed every redelivery window (Kafka retention, offset resets), or a late duplicate would be
// processed again.
import type pg from 'pg';

const DELETE_PUBLISHED = `
  DELETE FROM outbox WHERE id IN (
    SELECT id FROM outbox
    WHERE published_at IS NOT NULL AND published_at < now() - $1::bigint * interval '1 millisecond'
    LIMIT $2)`;

// $3 NULL = every group. A consumer prunes only its own group: another group in the same
// database may read topics with a longer retention.
const DELETE_PROCESSED = `
  DELETE FROM outbox_processed_events WHERE ctid IN (
    SELECT ctid FROM outbox_processed_events
    WHERE processed_at < now() - $1::bigint * interval '1 millisecond' AND ($3::text IS NULL OR group_id = $3)
    LIMIT $2)`;

export type PruneOptions = {
  olderThanMs: number;
  chunkSize?: number;
  /** deleteProcessedEvents only: just this consumer group's records. Default: all groups. */
  groupId?: string;
};

/** Deletes outbox rows published more than `olderThanMs` ago; returns how many. */
export function deletePublishedEvents(pool: pg.Pool, options: PruneOptions): Promise<number> {
  return deleteInChunks(pool, DELETE_PUBLISHED, options);
}

/** Deletes processed-event records older than `olderThanMs`; returns how many. */
export function deleteProcessedEvents(pool: pg.Pool, options: PruneOptions): Promise<number> {
  return deleteInChunks(pool, DELETE_PROCESSED, options);
}

async function deleteInChunks(
  pool: pg.Pool,
  sql: string,
  { olderThanMs, chunkSize = 5_000, groupId }: PruneOptions,
): Promise<number> {
  const params: unknown[] = [Math.max(0, Math.floor(olderThanMs)), chunkSize];
  if (sql === DELETE_PROCESSED) params.push(groupId ?? null);
  let total = 0;
  for (;;) {
    const { rowCount } = await pool.query(sql, params);
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < chunkSize) return total;
  }
}
