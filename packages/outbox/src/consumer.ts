// The idempotent consumer: Kafka delivers at least once, so every message may arrive again (a
// rebalance, a crash before the offset commit, an offset reset). The handler runs in a Postgres
// transaction that first records (group, event id) under a primary key; a redelivered event finds
// its row there and is skipped, so the handler's side effects happen once ("effectively once").
//
// Offsets are resolved only after that transaction committed, so Kafka's committed position never
// runs ahead of the database. A failing handler is retried in place, with backoff, which keeps the
// partition's order (the cost: the partition waits); after maxAttempts the message is dead-lettered.
//
// Throughput: the messages of one fetched batch share a transaction (one dedup insert, one commit)
// in chunks of `messagesPerTransaction`. If a handler throws, that transaction rolls back and the
// chunk is processed again one message per transaction, so the failure is isolated and retried
// alone. A handler may therefore run more than once for an event whose effects then roll back --
// which at-least-once delivery implies anyway: keep side effects inside `tx`.
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type pg from 'pg';
import client, { type Registry } from 'prom-client';
import { type BackoffOptions, backoffDelay, pause } from './backoff.ts';
import { type ConsumedEvent, type Item, toItem } from './consumed-event.ts';
import { deadLetterHeaders, ensureDlqTopic } from './dlq.ts';
import { OutboxError } from './errors.ts';
import { type ConsumerOutcome, consumerMessages } from './metrics.ts';
import { startProcessedPruner } from './processed-pruner.ts';
import { type ChunkResult, createTransactionRunner, HandlerError } from './processing-transaction.ts';
import { createProducerSession, sendWithSession } from './producer-session.ts';
import {
  requireBackoff,
  requireDuration,
  requireNonEmptyString,
  requirePositiveInteger,
  requirePresent,
  requireTopic,
} from './validate.ts';

export type { ConsumedEvent } from './consumed-event.ts';

/** Runs inside the transaction that records the event as processed: write side effects with `tx`. */
export type EventHandler = (event: ConsumedEvent, tx: pg.PoolClient) => Promise<void>;

export type ConsumeOptions = {
  kafka: Kafka;
  pool: pg.Pool;
  topic: string;
  groupId: string;
  handler: EventHandler;
  /** Handler attempts before the message goes to the DLQ. @default 5 — a blip passes, a bug reaches the DLQ in seconds */
  maxAttempts?: number;
  /** Delay between handler attempts. @default { initialMs: 100, maxMs: 2_000 } — 100 ms doubling to 2 s */
  retryBackoff?: BackoffOptions;
  /** Read from the beginning when the group has no committed offset. @default true — no event skipped */
  fromBeginning?: boolean;
  /** Partitions handled in parallel (order still holds per partition). @default 1 — one transaction at a time */
  partitionsConsumedConcurrently?: number;
  /** Messages of one fetched batch that share a transaction; 1 = one per message. @default 100 — ~7x throughput */
  messagesPerTransaction?: number;
  /** Create `<topic>.dlq` when missing. @default true — a poison message must have somewhere to go */
  createDlqTopic?: boolean;
  /**
   * How long this group's processed-event records are kept (ms). Must exceed every redelivery
   * window (the topic's retention, an offset reset): Kafka's default retention is 7 days, so the
   * default is 8.
   * @default 691_200_000 (8 days)
   */
  processedRetentionMs?: number;
  /** How often the consumer deletes its records past that retention (ms). @default 3_600_000 (1 h) */
  pruneIntervalMs?: number;
  /**
   * Extra KafkaJS consumer settings. maxWaitTimeInMs defaults to 1000 here (KafkaJS: 5000): the
   * broker still answers a fetch as soon as data arrives, but stop() waits for the fetch in
   * flight, so the shorter wait bounds shutdown at the cost of one idle fetch per second. What is
   * given is merged over that default.
   * @default { maxWaitTimeInMs: 1_000 }
   */
  consumerConfig?: Omit<ConsumerConfig, 'groupId'>;
  /** @default prom-client's global registry — tests and benchmarks pass their own. */
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

/** consume()'s defaults, each with its reason; the option type repeats them as `@default`. */
export const CONSUMER_DEFAULTS = {
  /** Enough for a blip (a deadlock, a timeout) to pass; a real bug goes to the DLQ within seconds. */
  maxAttempts: 5,
  /** Four waits between five attempts, up to 1.5 s in all: long enough for a lock or failover to clear. */
  retryBackoff: { initialMs: 100, maxMs: 2_000 } as BackoffOptions,
  /** A new group starts at the oldest offset: no event skipped. */
  fromBeginning: true,
  /** One partition at a time keeps one transaction (and one pool connection) per consumer. */
  partitionsConsumedConcurrently: 1,
  /** About 7x the throughput of one transaction per message in a quick measurement here. */
  messagesPerTransaction: 100,
  /** Topic auto-creation is off on the lab broker: without the DLQ a poison message has nowhere to go. */
  createDlqTopic: true,
  /** Kafka's default retention is 7 days; dedup records must outlive every redelivery. */
  processedRetentionMs: 8 * 24 * 60 * 60 * 1_000,
  /** Hourly: records expire after days, so an hour's surplus is a small, bounded delete. */
  pruneIntervalMs: 60 * 60 * 1_000,
  /** KafkaJS waits 5 s by default; stop() waits for the fetch in flight, so 1 s bounds shutdown. */
  consumerConfig: { maxWaitTimeInMs: 1_000 } as Omit<ConsumerConfig, 'groupId'>,
};

type ResolvedConsumeOptions = Required<ConsumeOptions>;

function resolveConsumeOptions(options: ConsumeOptions): ResolvedConsumeOptions {
  const resolved: ResolvedConsumeOptions = {
    ...CONSUMER_DEFAULTS,
    registry: client.register,
    onError: () => {},
    ...(Object.fromEntries(
      Object.entries(options).filter(([, value]) => value !== undefined),
    ) as ConsumeOptions),
  };
  requirePresent('kafka', resolved.kafka);
  requirePresent('pool', resolved.pool);
  requireTopic('topic', resolved.topic);
  requireNonEmptyString('groupId', resolved.groupId);
  if (typeof resolved.handler !== 'function') {
    throw new OutboxError('OUTBOX_INVALID_OPTIONS', 'handler must be a function');
  }
  for (const option of ['maxAttempts', 'messagesPerTransaction', 'partitionsConsumedConcurrently'] as const) {
    requirePositiveInteger(option, resolved[option]);
  }
  requireBackoff('retryBackoff', resolved.retryBackoff);
  requireDuration('pruneIntervalMs', resolved.pruneIntervalMs);
  requireDuration('processedRetentionMs', resolved.processedRetentionMs);
  if (resolved.processedRetentionMs === 0) {
    throw new OutboxError(
      'OUTBOX_INVALID_OPTIONS',
      'processedRetentionMs must be > 0: 0 would forget every event',
    );
  }
  return resolved;
}

export async function consume(options: ConsumeOptions): Promise<RunningConsumer> {
  const resolved = resolveConsumeOptions(options);
  const { kafka, pool, topic, groupId, handler, maxAttempts, retryBackoff, registry, onError } = resolved;
  const messages = consumerMessages(registry);
  const count = (outcome: ConsumerOutcome) => messages.inc({ group: groupId, outcome });
  const dlqTopic = resolved.createDlqTopic ? await ensureDlqTopic(kafka, topic) : `${topic}.dlq`;
  const dlq = createProducerSession(kafka, { retries: 5 });
  const stopping = new AbortController();
  const processTogether = createTransactionRunner({ pool, groupId, handler, count, onError });

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

  // One message, one transaction per attempt, retried with backoff. `failed` is the failure of its
  // attempt in a shared transaction, if that is why it is here. Returns false when the consumer is
  // stopping or lost the partition: the offset stays unresolved and the message comes again later.
  async function processAlone(item: Item, batch: EachBatchPayload, failed?: HandlerError): Promise<boolean> {
    let lastError: unknown = failed;
    let failures = failed ? 1 : 0;
    let infrastructureFailures = 0;
    for (;;) {
      // A value that is not JSON fails the same way every time: no point retrying it.
      if (failures >= maxAttempts || (item.parseError !== undefined && failures > 0)) {
        await deadLetter(item.message, item.event.partition, lastError, failures);
        return true;
      }
      const retries = failures + infrastructureFailures;
      if (retries > 0) {
        await pause(backoffDelay(retries, retryBackoff), stopping.signal);
        await batch.heartbeat();
      }
      if (stopping.signal.aborted || !batch.isRunning() || batch.isStale()) return false;
      if (item.parseError !== undefined) {
        lastError = new HandlerError(item.parseError);
        onError(lastError);
        count('failed');
        failures += 1;
        continue;
      }
      const result = await processTogether([{ ...item, event: { ...item.event, attempt: failures + 1 } }]);
      if (result.kind === 'committed') return true;
      // Infrastructure errors (Postgres down) never dead-letter a message: retry until it is back.
      if (result.kind === 'retry-alone') infrastructureFailures += 1;
      else {
        lastError = result.error;
        failures += 1;
      }
    }
  }

  const consumer = kafka.consumer({
    ...CONSUMER_DEFAULTS.consumerConfig,
    ...resolved.consumerConfig,
    groupId,
  });
  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => resolve());
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: resolved.fromBeginning });
  await consumer.run({
    partitionsConsumedConcurrently: resolved.partitionsConsumedConcurrently,
    eachBatchAutoResolve: false,
    autoCommitInterval: 1_000,
    eachBatch: (payload) =>
      handleBatch(payload, {
        topic,
        messagesPerTransaction: resolved.messagesPerTransaction,
        stopping: stopping.signal,
        processTogether,
        processAlone,
      }),
  });

  const pruner = startProcessedPruner({
    pool,
    groupId,
    retentionMs: resolved.processedRetentionMs,
    intervalMs: resolved.pruneIntervalMs,
    onError,
  });

  return {
    consumer,
    joined,
    async stop() {
      stopping.abort();
      await pruner.stop();
      await consumer.disconnect();
      await dlq.reset();
    },
  };
}

type BatchSteps = {
  topic: string;
  messagesPerTransaction: number;
  stopping: AbortSignal;
  processTogether: (items: readonly Item[]) => Promise<ChunkResult>;
  processAlone: (item: Item, batch: EachBatchPayload, failed?: HandlerError) => Promise<boolean>;
};

// A fetched batch in chunks of one transaction each; a chunk that fails is replayed one message per
// transaction so the failure is isolated. Offsets are resolved only after their transaction committed.
async function handleBatch(payload: EachBatchPayload, steps: BatchSteps): Promise<void> {
  const { batch } = payload;
  const { messagesPerTransaction, stopping } = steps;
  const items = batch.messages.map((message) => toItem(message, steps.topic, batch.partition));
  for (let start = 0; start < items.length; start += messagesPerTransaction) {
    if (stopping.aborted || !payload.isRunning() || payload.isStale()) return;
    const chunk = items.slice(start, start + messagesPerTransaction);
    const together: ChunkResult = chunk.some((item) => item.parseError !== undefined)
      ? { kind: 'retry-alone' }
      : await steps.processTogether(chunk);
    if (together.kind !== 'committed') {
      for (const [index, item] of chunk.entries()) {
        const failed =
          together.kind === 'handler-failed' && together.index === index ? together.error : undefined;
        if (!(await steps.processAlone(item, payload, failed))) return;
        payload.resolveOffset(item.message.offset);
      }
    }
    payload.resolveOffset((chunk[chunk.length - 1] as Item).message.offset);
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
  }
}
