// How the relay moves rows to Kafka. Each batch lives in its own Postgres transaction:
//   claim (FOR UPDATE SKIP LOCKED, id order) -> send to Kafka, wait for acks=all -> mark published -> commit.
// Kafka acknowledges before the rows are marked; if the process dies in between, the transaction
// rolls back and the rows are published again: at-least-once, never lost.
//
// Pipelining: batch N's mark-and-commit runs while batch N+1 is claimed and sent, so Postgres work
// hides behind Kafka round trips. Sends stay strictly sequential (N+1 goes out only after N was
// acknowledged), which is what per-partition order needs. If N's commit then fails, N is published
// again later, after N+1: a duplicate of an event every consumer has already seen, not a reordering.
import type { Message, Producer, TopicMessages } from 'kafkajs';
import type pg from 'pg';
import { OutboxError } from './errors.ts';

type ClaimedRow = {
  id: string;
  event_id: string;
  aggregate_type: string;
  aggregate_id: string;
  event_type: string;
  topic: string;
  payload: string;
  headers: Record<string, string>;
  unpublished_up_to_last: number;
};

type Batch = { client: pg.PoolClient; rows: ClaimedRow[]; ids: string[] };

// The order fence, in the same statement (same snapshot) as the claim: count the unpublished rows up
// to the last claimed id, leaving out this relay's own batch still being marked ($2). More than the
// claim means another transaction holds older rows -- a zombie leader that lost its lock in the
// middle of a batch. Publishing now would let newer events overtake older ones, so the claim is
// refused and retried shortly. Rows whose insert has not committed yet are invisible to both parts.
const CLAIM = `
  WITH claimed AS (
    SELECT id, event_id, aggregate_type, aggregate_id, event_type, topic, payload, headers
    FROM outbox
    WHERE published_at IS NULL
    ORDER BY id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
  )
  SELECT c.id, c.event_id, c.aggregate_type, c.aggregate_id, c.event_type, c.topic,
         c.payload::text AS payload, c.headers,
         (SELECT count(*)::int FROM outbox o
           WHERE o.published_at IS NULL AND o.id <= (SELECT max(id) FROM claimed)
             AND o.id <> ALL($2::bigint[])) AS unpublished_up_to_last
  FROM claimed c
  ORDER BY c.id`;

const MARK_PUBLISHED = 'UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])';

export type DrainOptions = {
  pool: pg.Pool;
  producer: Producer;
  batchSize: number;
  /** Broker-side wait for acks=all (ms). */
  sendTimeoutMs: number;
  /** Fault-injection point between Kafka's ack and the mark (see OutboxRelayOptions). */
  afterPublish?: (count: number) => void | Promise<void>;
  /** Called after each batch is marked published and committed. */
  onMarked: (count: number) => void;
  /** Stops claiming new batches once this says no (a relay shutting down). */
  keepGoing: () => boolean;
};

/** Thrown (wrapping the cause) when Kafka did not acknowledge a batch; the producer must be replaced. */
export class KafkaSendError extends Error {
  constructor(cause: unknown) {
    super(`Kafka did not acknowledge the batch: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = 'KafkaSendError';
  }
}

/** Publishes batches until a claim comes back short; returns how many events were published. */
export async function drainOutbox(options: DrainOptions): Promise<number> {
  const { pool, producer, batchSize, sendTimeoutMs, afterPublish, onMarked, keepGoing } = options;
  let published = 0;
  // The previous batch's mark-and-commit, running while the next batch is claimed and sent.
  let marking: { ids: string[]; done: Promise<unknown> } | undefined;
  const awaitMarking = async () => {
    const result = await marking?.done;
    marking = undefined;
    if (result instanceof Error) throw result;
  };
  try {
    while (keepGoing()) {
      const batch = await claim(pool, batchSize, marking?.ids ?? []);
      if (!batch) break;
      try {
        try {
          // acks -1 = all in-sync replicas. With the idempotent producer and one request in flight,
          // a partition receives the batch's messages in id order, without duplicates from retries.
          await producer.sendBatch({
            topicMessages: toTopicMessages(batch.rows),
            acks: -1,
            timeout: sendTimeoutMs,
          });
        } catch (error) {
          throw new KafkaSendError(error);
        }
        await afterPublish?.(batch.rows.length);
        await awaitMarking();
      } catch (error) {
        await finish(batch, 'ROLLBACK');
        throw error;
      }
      const count = batch.rows.length;
      // Settles with the error instead of rejecting, so a failure never goes unhandled meanwhile.
      const done = finish(batch, 'COMMIT').then(
        () => {
          published += count;
          onMarked(count);
        },
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      marking = { ids: batch.ids, done };
      if (count < batchSize) break;
    }
  } finally {
    await awaitMarking();
  }
  return published;
}

async function claim(pool: pg.Pool, batchSize: number, ownUnmarked: string[]): Promise<Batch | undefined> {
  const client = await pool.connect();
  const batch: Batch = { client, rows: [], ids: [] };
  try {
    await client.query('BEGIN');
    batch.rows = (await client.query<ClaimedRow>(CLAIM, [batchSize, ownUnmarked])).rows;
  } catch (error) {
    await finish(batch, 'ROLLBACK');
    throw error;
  }
  if (batch.rows.length === 0) {
    await finish(batch, 'COMMIT');
    return undefined;
  }
  if ((batch.rows[0] as ClaimedRow).unpublished_up_to_last !== batch.rows.length) {
    await finish(batch, 'ROLLBACK');
    throw new OutboxError('OUTBOX_ORDER_FENCE', 'older outbox rows are locked by another relay');
  }
  batch.ids = batch.rows.map((row) => row.id);
  return batch;
}

async function finish(batch: Batch, end: 'COMMIT' | 'ROLLBACK'): Promise<void> {
  let broken: Error | undefined;
  try {
    if (end === 'COMMIT' && batch.ids.length > 0) await batch.client.query(MARK_PUBLISHED, [batch.ids]);
    await batch.client.query(end);
  } catch (error) {
    broken = error as Error;
    if (end === 'COMMIT') await batch.client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    // A client whose last statement failed may be a dead connection: do not return it to the pool.
    batch.client.release(broken);
  }
}

// Rows keep their id order inside each topic, and KafkaJS keeps message order inside a partition.
function toTopicMessages(rows: readonly ClaimedRow[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const row of rows) {
    let messages = byTopic.get(row.topic);
    if (!messages) {
      messages = [];
      byTopic.set(row.topic, messages);
    }
    messages.push({
      key: row.aggregate_id,
      value: row.payload,
      headers: {
        ...row.headers,
        'event-id': row.event_id,
        'event-type': row.event_type,
        'aggregate-type': row.aggregate_type,
      },
    });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
