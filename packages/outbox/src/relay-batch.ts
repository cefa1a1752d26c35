// One relay cycle: claim the oldest unpublished rows, publish them, mark them published, all inside
// one Postgres transaction. Kafka acknowledges before the rows are marked; if the process dies in
// between, the transaction rolls back and the rows are published again (at-least-once, never lost).
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

// FOR UPDATE SKIP LOCKED in id order. The order fence in the same statement (same snapshot) counts
// the unpublished rows up to the last claimed id: if that count is larger than the claim, another
// transaction holds older rows (a zombie leader that lost its lock mid-batch). Publishing now would
// let newer events overtake older ones, so the claim is refused and retried a moment later.
// Rows whose insert is not committed yet are invisible to both parts and do not trip the fence.
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
           WHERE o.published_at IS NULL AND o.id <= (SELECT max(id) FROM claimed)) AS unpublished_up_to_last
  FROM claimed c
  ORDER BY c.id`;

const MARK_PUBLISHED = 'UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])';

export type BatchOptions = {
  pool: pg.Pool;
  producer: Producer;
  batchSize: number;
  /** Broker-side wait for acks=all (ms). */
  sendTimeoutMs: number;
  /** Fault-injection point between Kafka's ack and the mark (see OutboxRelayOptions). */
  afterPublish?: (count: number) => void | Promise<void>;
};

/** Thrown (wrapping the cause) when Kafka did not acknowledge a batch; the producer must be replaced. */
export class KafkaSendError extends Error {
  constructor(cause: unknown) {
    super(`Kafka did not acknowledge the batch: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = 'KafkaSendError';
  }
}

/** Publishes one batch; returns how many events left. */
export async function publishOneBatch({
  pool,
  producer,
  batchSize,
  sendTimeoutMs,
  afterPublish,
}: BatchOptions): Promise<number> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<ClaimedRow>(CLAIM, [batchSize]);
    if (rows.length === 0) {
      await client.query('COMMIT');
      return 0;
    }
    if ((rows[0] as ClaimedRow).unpublished_up_to_last !== rows.length) {
      throw new OutboxError('OUTBOX_ORDER_FENCE', 'older outbox rows are locked by another relay');
    }
    try {
      // acks -1 = all in-sync replicas. With the idempotent producer and one request in flight,
      // a partition receives the batch's messages in id order, without duplicates from retries.
      await producer.sendBatch({ topicMessages: toTopicMessages(rows), acks: -1, timeout: sendTimeoutMs });
    } catch (error) {
      throw new KafkaSendError(error);
    }
    await afterPublish?.(rows.length);
    await client.query(MARK_PUBLISHED, [rows.map((row) => row.id)]);
    await client.query('COMMIT');
    return rows.length;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError; // the connection is gone; do not return it to the pool
    });
    throw error;
  } finally {
    client.release(broken);
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
