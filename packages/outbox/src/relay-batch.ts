// How the relay moves rows to Kafka. Each batch lives in its own Postgres transaction:
//   claim (FOR UPDATE SKIP LOCKED, id order) -> send to Kafka, wait for acks=all -> mark published -> commit.
// Kafka acknowledges before the rows are marked; if the process dies in between, the transaction
// rolls back and the rows are published again: at-least-once, never lost.
//
// Pipelining, so Postgres work hides behind Kafka round trips: while batch N is on its way to Kafka,
// batch N+1 is claimed (its own transaction), and batch N-1 is marked and committed. Sends stay
// strictly sequential (N+1 goes out only after N was acknowledged), which is what per-partition
// order needs. If N's commit fails after N+1 was sent, N is published again later, after N+1: a
// duplicate of events every consumer has already seen, not a reordering. Up to three batch
// transactions are open at once, plus the leader's connection: the relay's pool needs four.
//
// A claimed batch goes out in sends of at most `maxBatchBytes` (outbox-message.ts), one after the
// other. A send Kafka refuses fails the whole batch with OUTBOX_SEND_FAILED naming the rows of that
// send; the relay decides whether that is transient or the broker's final word (relay-failure.ts).
//
// Sends run with tracing suppressed. Each row carries the trace of the transaction that wrote it
// (its stored `traceparent`), and that is the trace its consumer must continue. The KafkaJS
// instrumentation, when a process runs one, would open a producer span per message under the
// relay's own context (a fresh root trace: the relay runs from a timer) and overwrite the stored
// traceparent with it, cutting every trace at the relay. The price: no relay `send` spans.
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { Message, Producer, TopicMessages } from 'kafkajs';
import type pg from 'pg';
import { OutboxError } from './errors.ts';
import type { LockKeys } from './leadership.ts';
import { type OutboxMessageRow, rowRef, splitForSend, toKafkaMessage } from './outbox-message.ts';

type ClaimedRow = OutboxMessageRow;

type Batch = { client: pg.PoolClient; rows: ClaimedRow[]; ids: string[]; mark: Statement };

// The relay's statements are named, so each connection prepares them once and Postgres plans them
// once instead of at every batch: planning the claim (0.4–0.7 ms) took longer than running it for
// 500 rows (~0.5 ms). The trade-off: a pooler in transaction mode (PgBouncer) must support
// prepared statements (PgBouncer ≥ 1.21 with max_prepared_statements) for this to work behind it.
type Statement = { name: string; text: string };
const statement = (name: string, text: string): Statement => ({ name: `outbox-relay-${name}`, text });

// The fence (see leadership.ts): hold the batch lock shared for the whole transaction, then check
// that this relay's leader connection still holds the leader lock. OFFSET 0 keeps the subquery
// from being flattened, so the lock is taken before the check runs.
const FENCE = statement(
  'fence',
  `
  SELECT EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND pid = $2 AND classid = $3::oid AND objid = $4::oid AND objsubid = 1
  ) AS leading
  FROM (SELECT pg_advisory_xact_lock_shared($1::bigint) OFFSET 0) AS batch_lock`,
);

// The oldest unpublished rows, in id order. SKIP LOCKED only ever skips this relay's own batches
// that are still being sent or marked (the fence keeps other relays' transactions out), so the
// pipeline can claim the next batch without waiting for the previous one to commit.
// The hold: a row whose aggregate has an earlier row parked in outbox_dead_letters waits, so it
// cannot overtake that event; other aggregates are not affected. The first test runs once per
// claim (an InitPlan): while nothing is parked, which is nearly always, no row pays for the hold;
// as an anti-join it added ~1 µs per claimed row. With dead letters it is one index probe per
// candidate row (the README has the cost while many rows are held).
const CLAIM = statement(
  'claim',
  `
  SELECT o.id, o.event_id, o.aggregate_type, o.aggregate_id, o.event_type, o.topic,
         o.payload::text AS payload, o.headers
  FROM outbox o
  WHERE o.published_at IS NULL
    AND (NOT EXISTS (SELECT 1 FROM outbox_dead_letters)
         OR NOT EXISTS (
           SELECT 1 FROM outbox_dead_letters d
           WHERE d.aggregate_type = o.aggregate_type AND d.aggregate_id = o.aggregate_id
             AND d.outbox_id < o.id))
  ORDER BY o.id
  LIMIT $1
  FOR UPDATE OF o SKIP LOCKED`,
);

const MARK_PUBLISHED = statement(
  'mark',
  'UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])',
);
const DELETE_PUBLISHED = statement('delete', 'DELETE FROM outbox WHERE id = ANY($1::bigint[])');

/** Proof of leadership a batch transaction checks before it claims anything. */
export type Fence = { keys: LockKeys; leaderPid: number };

export type DrainOptions = {
  pool: pg.Pool;
  fence: Fence;
  producer: Producer;
  batchSize: number;
  /** Upper bound of one Kafka request's estimated size; a claimed batch is split to fit. */
  maxBatchBytes: number;
  /** Row ids to send one per request (a request of theirs was refused as a whole). */
  sendAlone: ReadonlySet<string>;
  /** Broker-side wait for acks=all (ms). */
  sendTimeoutMs: number;
  /** Fault-injection point between Kafka's ack and the mark (see OutboxRelayOptions). */
  afterPublish?: (count: number) => void | Promise<void>;
  /** Called after each batch is marked published and committed. */
  onMarked: (count: number) => void;
  /** Delete published rows in the publishing transaction instead of marking them. */
  deleteOnPublish?: boolean;
  /** Stops claiming new batches once this says no (a relay shutting down). */
  keepGoing: () => boolean;
};

/** Publishes batches until a claim comes back short; returns how many events were published. */
export async function drainOutbox(options: DrainOptions): Promise<number> {
  const { pool, fence, batchSize, afterPublish, onMarked, keepGoing } = options;
  const mark = options.deleteOnPublish ? DELETE_PUBLISHED : MARK_PUBLISHED;
  let published = 0;
  // Batch N-1's mark-and-commit, still running while batch N is sent.
  let marking: { done: Promise<Error | undefined> } | undefined;
  const awaitMarking = async () => {
    const error = await marking?.done;
    marking = undefined;
    if (error) throw error;
  };
  let current = keepGoing() ? await claim(pool, fence, batchSize, mark) : undefined;
  try {
    while (current) {
      const batch: Batch = current;
      current = undefined;
      const count = batch.rows.length;
      // Only a full batch suggests more rows are waiting.
      const next =
        count === batchSize && keepGoing() ? settle(claim(pool, fence, batchSize, mark)) : undefined;
      try {
        await send(batch.rows, options);
        await afterPublish?.(count);
        await awaitMarking();
      } catch (error) {
        await finish(batch, 'ROLLBACK');
        const unsent = await next;
        if (unsent?.batch) await finish(unsent.batch, 'ROLLBACK');
        throw error;
      }
      // Settles with the error instead of rejecting, so a failure never goes unhandled meanwhile.
      marking = {
        done: finish(batch, 'COMMIT').then(
          () => {
            published += count;
            onMarked(count);
            return undefined;
          },
          (error: unknown) => toError(error),
        ),
      };
      const claimed = await next;
      if (claimed?.error) throw claimed.error;
      current = claimed?.batch;
    }
  } finally {
    await awaitMarking();
  }
  return published;
}

// acks -1 = all in-sync replicas. With the idempotent producer and one request in flight, a
// partition receives the batch's messages in id order, without duplicates from retries. The
// sends of one batch follow each other, so the order holds across them too.
async function send(rows: readonly ClaimedRow[], options: DrainOptions): Promise<void> {
  for (const chunk of splitForSend(rows, options.maxBatchBytes, options.sendAlone)) {
    try {
      await context.with(suppressTracing(context.active()), () =>
        options.producer.sendBatch({
          topicMessages: toTopicMessages(chunk),
          acks: -1,
          timeout: options.sendTimeoutMs,
        }),
      );
    } catch (error) {
      const first = chunk[0] as ClaimedRow;
      const what = chunk.length === 1 ? `row ${first.id}` : `${chunk.length} rows from ${first.id}`;
      throw new OutboxError(
        'OUTBOX_SEND_FAILED',
        `Kafka did not acknowledge ${what}: ${(error as Error)?.message ?? error}`,
        { cause: error, rows: chunk.map(rowRef) },
      );
    }
  }
}

function settle(claiming: Promise<Batch | undefined>): Promise<{ batch?: Batch; error?: Error }> {
  return claiming.then(
    (batch) => ({ batch }),
    (error: unknown) => ({ error: toError(error) }),
  );
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

async function claim(
  pool: pg.Pool,
  fence: Fence,
  batchSize: number,
  mark: Statement,
): Promise<Batch | undefined> {
  const client = await pool.connect();
  const batch: Batch = { client, rows: [], ids: [], mark };
  try {
    await client.query('BEGIN');
    await checkFence(client, fence);
    batch.rows = (await client.query<ClaimedRow>({ ...CLAIM, values: [batchSize] })).rows;
  } catch (error) {
    await finish(batch, 'ROLLBACK');
    throw error;
  }
  if (batch.rows.length === 0) {
    await finish(batch, 'COMMIT');
    return undefined;
  }
  batch.ids = batch.rows.map((row) => row.id);
  return batch;
}

/** Inside a transaction: holds the batch lock shared and throws OUTBOX_NOT_LEADER unless leading. */
export async function checkFence(client: pg.ClientBase, { keys, leaderPid }: Fence): Promise<void> {
  const check = await client.query<{ leading: boolean }>({
    ...FENCE,
    values: [keys.batches, leaderPid, keys.leaderHigh, keys.leaderLow],
  });
  if (check.rows[0]?.leading !== true) {
    throw new OutboxError('OUTBOX_NOT_LEADER', 'this relay no longer holds the leader lock');
  }
}

// Ends a batch's transaction and gives its connection back. COMMIT marks the rows first and throws
// on failure; ROLLBACK never throws: if it fails the connection is gone, and Postgres aborts the
// transaction (releasing its row locks) as the connection closes.
async function finish(batch: Batch, end: 'COMMIT' | 'ROLLBACK'): Promise<void> {
  let broken: Error | undefined;
  try {
    if (end === 'COMMIT' && batch.ids.length > 0)
      await batch.client.query({ ...batch.mark, values: [batch.ids] });
    await batch.client.query(end);
  } catch (error) {
    broken = toError(error);
    if (end === 'COMMIT') {
      await batch.client.query('ROLLBACK').catch(() => {});
      throw error;
    }
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
    messages.push(toKafkaMessage(row));
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
