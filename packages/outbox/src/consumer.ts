// The idempotent consumer: Kafka delivers at least once, so every message may arrive again (a
// rebalance, a crash before the offset commit, an offset reset). The handler runs in a Postgres
// transaction that first records (group, event id) under a primary key; a redelivered event finds
// its row there and is skipped, so the handler's side effects happen once ("effectively once").
//
// Offsets are resolved only after that transaction committed, so Kafka's committed position never
// runs ahead of the database. A failing handler is retried in place, with backoff, which keeps the
// partition's order (the cost: the partition waits); after maxAttempts the message is dead-lettered.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type pg from 'pg';
import client, { type Registry } from 'prom-client';
import { type BackoffOptions, backoffDelay, sleep } from './backoff.ts';
import { deadLetterHeaders, ensureDlqTopic } from './dlq.ts';
import { headersToStrings } from './kafka-headers.ts';
import { type ConsumerOutcome, consumerMessages } from './metrics.ts';
import { createProducerSession, sendWithSession } from './producer-session.ts';
import { contextFromHeaders } from './trace-context.ts';

export type ConsumedEvent = {
  /** The `event-id` header; `<topic>:<partition>:<offset>` for a message without one. */
  eventId: string;
  eventType: string | undefined;
  /** The message key: the aggregate id for outbox events. */
  key: string | null;
  /** The JSON-parsed value. */
  payload: unknown;
  headers: Record<string, string>;
  topic: string;
  partition: number;
  offset: string;
  /** 1 on the first try. */
  attempt: number;
};

/** Runs inside the transaction that records the event as processed: write side effects with `tx`. */
export type EventHandler = (event: ConsumedEvent, tx: pg.PoolClient) => Promise<void>;

export type ConsumeOptions = {
  kafka: Kafka;
  pool: pg.Pool;
  topic: string;
  groupId: string;
  handler: EventHandler;
  /** Handler attempts before the message goes to the DLQ. Default 5. */
  maxAttempts?: number;
  /** Delay between handler attempts. Default 100 ms doubling to 2 s. */
  retryBackoff?: BackoffOptions;
  /** Read from the beginning when the group has no committed offset. Default true: no event skipped. */
  fromBeginning?: boolean;
  /** Partitions handled in parallel (order still holds per partition). Default 1. */
  partitionsConsumedConcurrently?: number;
  /** Create `<topic>.dlq` when missing. Default true. */
  createDlqTopic?: boolean;
  /**
   * Extra KafkaJS consumer settings. maxWaitTimeInMs defaults to 1000 here (KafkaJS: 5000): the
   * broker still answers a fetch as soon as data arrives, but stop() waits for the fetch in
   * flight, so the shorter wait bounds shutdown at the cost of one idle fetch per second.
   */
  consumerConfig?: Omit<ConsumerConfig, 'groupId'>;
  registry?: Registry;
  onError?: (error: unknown) => void;
};

export type RunningConsumer = {
  consumer: Consumer;
  /** Resolves once the consumer joined its group (partitions assigned). */
  joined: Promise<void>;
  /** Commits what was processed and leaves the group. */
  stop(): Promise<void>;
};

/** Handler failures (count towards maxAttempts); anything else is infrastructure and is retried. */
class HandlerError extends Error {
  constructor(cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.name = (cause as Error)?.name ?? 'HandlerError';
  }
}

const RECORD_PROCESSED = `
  INSERT INTO outbox_processed_events (group_id, event_id, topic, "partition", "offset")
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (group_id, event_id) DO NOTHING`;

const tracer = trace.getTracer('@lab/outbox');

export async function consume(options: ConsumeOptions): Promise<RunningConsumer> {
  const {
    kafka,
    pool,
    topic,
    groupId,
    handler,
    maxAttempts = 5,
    retryBackoff = { initialMs: 100, maxMs: 2_000 },
    fromBeginning = true,
    partitionsConsumedConcurrently = 1,
    createDlqTopic = true,
    consumerConfig = {},
    registry = client.register,
    onError = () => {},
  } = options;
  const messages = consumerMessages(registry);
  const count = (outcome: ConsumerOutcome) => messages.inc({ group: groupId, outcome });
  const dlqTopic = createDlqTopic ? await ensureDlqTopic(kafka, topic) : `${topic}.dlq`;
  const dlq = createProducerSession(kafka, { retries: 5 });
  const stopping = new AbortController();

  // One attempt: dedup row + handler + commit in one transaction.
  async function processOnce(event: ConsumedEvent): Promise<'processed' | 'duplicate'> {
    const tx = await pool.connect();
    let broken: Error | undefined;
    try {
      await tx.query('BEGIN');
      const recorded = await tx.query(RECORD_PROCESSED, [
        groupId,
        event.eventId,
        event.topic,
        event.partition,
        event.offset,
      ]);
      if (recorded.rowCount === 0) {
        await tx.query('ROLLBACK');
        return 'duplicate';
      }
      await runHandler(event, tx);
      await tx.query('COMMIT');
      return 'processed';
    } catch (error) {
      await tx.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      tx.release(broken);
    }
  }

  // The handler runs in the producer's trace context, under a consumer span.
  function runHandler(event: ConsumedEvent, tx: pg.PoolClient): Promise<void> {
    const parent = contextFromHeaders(event.headers);
    return context.with(parent, () =>
      tracer.startActiveSpan(
        `${event.topic} process`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.destination.name': event.topic,
            'messaging.consumer.group.name': groupId,
            'messaging.message.id': event.eventId,
          },
        },
        async (span) => {
          try {
            await handler(event, tx);
          } catch (error) {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR });
            throw new HandlerError(error);
          } finally {
            span.end();
          }
        },
      ),
    );
  }

  async function deadLetter(message: KafkaMessage, partition: number, error: unknown, attempts: number) {
    await sendWithSession(dlq, (producer) =>
      producer.send({
        topic: dlqTopic,
        acks: -1,
        messages: [
          {
            key: message.key,
            value: message.value,
            headers: deadLetterHeaders(message, { error, attempts, topic, partition, groupId }),
          },
        ],
      }),
    );
    count('dead_lettered');
  }

  // Returns false when the consumer is stopping or lost the partition: the offset stays unresolved
  // and the message is delivered again later (to this or another member).
  async function handleMessage(message: KafkaMessage, partition: number, batch: EachBatchPayload) {
    const headers = headersToStrings(message.headers);
    let payload: unknown;
    let parseError: unknown;
    try {
      payload = message.value === null ? null : JSON.parse(message.value.toString());
    } catch (error) {
      parseError = error;
    }
    let failures = 0;
    for (let attempt = 1; ; attempt += 1) {
      if (stopping.signal.aborted || !batch.isRunning() || batch.isStale()) return false;
      try {
        // A value that is not JSON fails the same way every time: no point retrying it.
        if (parseError) throw new HandlerError(parseError);
        const outcome = await processOnce({
          eventId: headers['event-id'] ?? `${topic}:${partition}:${message.offset}`,
          eventType: headers['event-type'],
          key: message.key?.toString() ?? null,
          payload,
          headers,
          topic,
          partition,
          offset: message.offset,
          attempt,
        });
        count(outcome);
        return true;
      } catch (error) {
        onError(error);
        if (error instanceof HandlerError) {
          count('failed');
          failures += 1;
          if (failures >= maxAttempts || parseError) {
            await deadLetter(message, partition, error, failures);
            return true;
          }
        }
        // Infrastructure errors (Postgres down) never dead-letter a message: retry until it is back.
        await sleep(backoffDelay(attempt, retryBackoff), stopping.signal);
        await batch.heartbeat();
      }
    }
  }

  const consumer = kafka.consumer({ maxWaitTimeInMs: 1_000, ...consumerConfig, groupId });
  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => resolve());
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning });
  await consumer.run({
    partitionsConsumedConcurrently,
    eachBatchAutoResolve: false,
    autoCommitInterval: 1_000,
    eachBatch: async (payload) => {
      for (const message of payload.batch.messages) {
        if (!(await handleMessage(message, payload.batch.partition, payload))) return;
        payload.resolveOffset(message.offset);
        await payload.commitOffsetsIfNecessary();
        await payload.heartbeat();
      }
    },
  });

  return {
    consumer,
    joined,
    async stop() {
      stopping.abort();
      await consumer.disconnect();
      await dlq.reset();
    },
  };
}
