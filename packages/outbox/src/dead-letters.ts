// The outbox's dead-letter table (migrations/003): rows Kafka refused for good, parked by a relay
// whose policy is `park`, and put back by an operator once the cause is fixed.
//
// Parking moves the row out of `outbox` in a fenced transaction (only the current leader parks:
// a zombie relay must not act on a stale judgement). From then on the claim holds back every later
// row of the same aggregate (relay-batch.ts), so that aggregate's order survives while the others
// flow. Re-queueing moves the row back under its ORIGINAL id, so it sorts before the rows it held
// back and is published first; the hold ends in the same transaction.
import type pg from 'pg';
import { OUTBOX_CHANNEL } from './enqueue.ts';
import type { OutboxErrorCode, OutboxRowRef } from './errors.ts';
import { checkFence, type Fence } from './relay-batch.ts';
import { requirePositiveInteger } from './validate.ts';

export type ParkedRow = { row: OutboxRowRef; code: OutboxErrorCode; message: string };

const PARK = `
  WITH moved AS (
    DELETE FROM outbox o
    USING unnest($1::bigint[], $2::text[], $3::text[]) AS p(id, code, message)
    WHERE o.id = p.id AND o.published_at IS NULL
    RETURNING o.id, o.event_id, o.aggregate_type, o.aggregate_id, o.event_type, o.topic, o.payload,
              o.headers, o.created_at, p.code, p.message)
  INSERT INTO outbox_dead_letters (outbox_id, event_id, aggregate_type, aggregate_id, event_type, topic,
                                   payload, headers, created_at, error_code, error_message)
  SELECT id, event_id, aggregate_type, aggregate_id, event_type, topic, payload, headers, created_at, code, message
  FROM moved`;

// One statement: the rows leave the dead-letter table and re-enter the outbox together, and the
// relay is woken. A NULL filter matches everything.
const REQUEUE = `
  WITH moved AS (
    DELETE FROM outbox_dead_letters
    WHERE ($1::bigint[] IS NULL OR outbox_id = ANY($1::bigint[])) AND ($2::text IS NULL OR topic = $2)
    RETURNING *),
  requeued AS (
    INSERT INTO outbox (id, event_id, aggregate_type, aggregate_id, event_type, topic, payload, headers, created_at)
    OVERRIDING SYSTEM VALUE
    SELECT outbox_id, event_id, aggregate_type, aggregate_id, event_type, topic, payload, headers, created_at
    FROM moved
    RETURNING 1)
  SELECT count(*)::int AS requeued,
         CASE WHEN count(*) > 0 THEN pg_notify('${OUTBOX_CHANNEL}', '') END AS notified
  FROM requeued`;

/** Moves rows to outbox_dead_letters, if this relay still leads; returns how many moved. */
export async function parkRows(pool: pg.Pool, fence: Fence, parked: readonly ParkedRow[]): Promise<number> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await checkFence(client, fence);
    const { rowCount } = await client.query(PARK, [
      parked.map((p) => p.row.id),
      parked.map((p) => p.code),
      parked.map((p) => p.message.slice(0, 2_000)),
    ]);
    await client.query('COMMIT');
    return rowCount ?? 0;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

export type RequeueFilter = {
  /** Only these outbox ids (as listed by listDeadLetters). Default: all. */
  ids?: readonly string[];
  /** Only rows for this topic. Default: all. */
  topic?: string;
};

/** Puts parked rows back into the outbox, in their old place in the order; returns how many. */
export async function requeueDeadLetters(pool: pg.Pool, { ids, topic }: RequeueFilter = {}): Promise<number> {
  const { rows } = await pool.query<{ requeued: number }>(REQUEUE, [ids ?? null, topic ?? null]);
  return rows[0]?.requeued ?? 0;
}

export type DeadLetter = OutboxRowRef & { errorCode: string; errorMessage: string; parkedAt: Date };

/** The parked rows, oldest first (what the dead-letters command prints). */
export async function listDeadLetters(
  pool: pg.Pool,
  { limit = 100 }: { limit?: number } = {},
): Promise<DeadLetter[]> {
  requirePositiveInteger('limit', limit);
  const { rows } = await pool.query(
    `SELECT outbox_id::text AS id, event_id::text AS "eventId", topic, aggregate_type AS "aggregateType",
            aggregate_id AS "aggregateId", error_code AS "errorCode", error_message AS "errorMessage",
            parked_at AS "parkedAt"
     FROM outbox_dead_letters ORDER BY outbox_id LIMIT $1`,
    [limit],
  );
  return rows as DeadLetter[];
}
