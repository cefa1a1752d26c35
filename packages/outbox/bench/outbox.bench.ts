// Benchmark suite `outbox` (npm run bench -- outbox), against the real Postgres and Kafka:
//  1. Relay throughput vs the raw KafkaJS producer with the same batch size and producer settings
//     (idempotent, acks=all, one request in flight), alternating rounds: the ratio is what the
//     outbox's Postgres work (claim, mark, commit) costs on top of publishing.
//  2. End-to-end latency, commit of the writer's transaction -> handler of the idempotent consumer,
//     at a paced 1,000 events/s (one event per transaction), with NOTIFY wake-up and polling only.
import {
  alternate,
  defineSuite,
  percentile,
  type RatioRow,
  type ResultRow,
  ratioOf,
  resultRow,
  summarize,
} from '@lab/bench';
import { createTestDatabase, createTestKafka, waitUntil } from '@lab/testkit';
import { Kafka, logLevel, type Message } from 'kafkajs';
import pg from 'pg';
import { Registry } from 'prom-client';
import {
  applyOutboxSchema,
  consume,
  createOutboxRelay,
  enqueue,
  OUTBOX_CHANNEL,
  type OutboxRelay,
} from '../src/index.ts';

const BATCH_SIZE = 1_000;
const EVENTS_PER_ROUND = 20_000;
const RATE_PER_SECOND = 1_000;
const LATENCY_ROUND_MS = 3_000;
const POLL_INTERVAL_MS = 500;
const payload = { orderId: 'order-0000', amountCents: 12_345, currency: 'EUR', note: 'x'.repeat(120) };

export default defineSuite('outbox', async () => {
  const db = await createTestDatabase('outbox_bench');
  const testKafka = await createTestKafka('outbox_bench');
  const kafka = new Kafka({
    clientId: 'outbox-bench',
    brokers: testKafka.brokers,
    logLevel: logLevel.NOTHING,
  });
  const registry = new Registry();
  // Writers, relay and consumer each get their own pool, as they would in separate processes:
  // sharing one would turn pool waits into "latency" that no deployment has.
  const relayPool = new pg.Pool({ connectionString: db.url, max: 4 });
  const consumerPool = new pg.Pool({ connectionString: db.url, max: 4 });
  try {
    await applyOutboxSchema(db.pool);
    const throughputTopic = await testKafka.createTopic('bench.throughput', 3);
    const latencyTopic = await testKafka.createTopic('bench.latency', 3);

    // ---- 1. throughput -------------------------------------------------------------------------
    const raw = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await raw.connect();
    const messages: Message[] = Array.from({ length: EVENTS_PER_ROUND }, (_, i) => ({
      key: `agg-${i % 100}`,
      value: JSON.stringify(payload),
      headers: { 'event-id': crypto.randomUUID(), 'event-type': 'order.created', 'aggregate-type': 'order' },
    }));
    const backlog = async (rows: number) => {
      await db.pool.query('TRUNCATE outbox');
      await db.pool.query(
        `INSERT INTO outbox (event_id, aggregate_type, aggregate_id, event_type, topic, payload, headers)
         SELECT gen_random_uuid(), 'order', 'agg-' || (i % 100), 'order.created', $1, $2::jsonb, '{}'::jsonb
         FROM generate_series(0, $3 - 1) i`,
        [throughputTopic, JSON.stringify(payload), rows],
      );
      await db.pool.query('VACUUM ANALYZE outbox');
    };
    // One relay per round (each mode is its own configuration), warmed up with one event so its
    // producer is connected before the clock starts; then it drains a backlog of committed rows.
    const relayRound = (retentionMs: number) => async () => {
      let published = 0;
      const relay = createOutboxRelay({
        pool: relayPool,
        kafka,
        registry,
        name: 'throughput',
        batchSize: BATCH_SIZE,
        retentionMs,
        pollIntervalMs: 60_000, // woken explicitly below, so the poll never starts a round early
        onPublished: (count) => {
          published += count;
        },
      });
      relay.start();
      try {
        await backlog(1);
        await db.pool.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
        await waitUntil(() => published === 1, { timeoutMs: 10_000, message: 'relay warmed up' });
        await backlog(EVENTS_PER_ROUND);
        published = 0;
        const started = performance.now();
        await db.pool.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
        await waitUntil(() => published >= EVENTS_PER_ROUND, { timeoutMs: 60_000, intervalMs: 1 });
        return (EVENTS_PER_ROUND / (performance.now() - started)) * 1_000;
      } finally {
        await relay.stop();
      }
    };

    const throughput = await alternate(
      [
        {
          name: 'raw-producer',
          measure: async () => {
            const started = performance.now();
            for (let i = 0; i < messages.length; i += BATCH_SIZE) {
              await raw.sendBatch({
                acks: -1,
                topicMessages: [{ topic: throughputTopic, messages: messages.slice(i, i + BATCH_SIZE) }],
              });
            }
            return (messages.length / (performance.now() - started)) * 1_000;
          },
        },
        { name: 'relay', measure: relayRound(24 * 60 * 60 * 1_000) },
        { name: 'relay (delete on publish)', measure: relayRound(0) },
      ],
      { rounds: 5, warmupRounds: 1 },
    );
    await raw.disconnect();

    // ---- 2. end-to-end latency at 1,000 events/s ----------------------------------------------
    await db.pool.query('TRUNCATE outbox');
    // Start: just before the writer sends COMMIT (the event cannot be visible earlier). End: the
    // consumer's handler runs. Both clocks are this process's performance.now().
    const committedAt = new Map<string, number>();
    const consumedAt = new Map<string, number>();
    const consumer = await consume({
      kafka,
      pool: consumerPool,
      topic: latencyTopic,
      groupId: 'bench-latency',
      registry,
      partitionsConsumedConcurrently: 3,
      handler: async (event) => {
        consumedAt.set(event.eventId, performance.now());
      },
    });
    await consumer.joined;

    let written = 0;
    const writeOne = async (notify: boolean): Promise<string> => {
      const tx = await db.pool.connect();
      try {
        await tx.query('BEGIN');
        const eventId = await enqueue(
          tx,
          {
            topic: latencyTopic,
            aggregateType: 'order',
            aggregateId: `agg-${written++ % 100}`,
            eventType: 'order.created',
            payload,
          },
          { notify },
        );
        committedAt.set(eventId, performance.now());
        await tx.query('COMMIT');
        return eventId;
      } finally {
        tx.release();
      }
    };

    // One event per transaction, paced to RATE_PER_SECOND; late ticks catch up at once.
    const pacedLoad = async (notify: boolean) => {
      const total = (RATE_PER_SECOND * LATENCY_ROUND_MS) / 1_000;
      const started = performance.now();
      const inFlight = new Set<Promise<void>>();
      for (let i = 0; i < total; i += 1) {
        const due = started + (i * 1_000) / RATE_PER_SECOND;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        const write = writeOne(notify)
          .then(() => {})
          .finally(() => inFlight.delete(write));
        inFlight.add(write);
        if (inFlight.size >= 8) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    };
    const latenciesOfThisRound = async () => {
      await waitUntil(() => consumedAt.size >= committedAt.size, {
        timeoutMs: 20_000,
        message: 'paced events consumed',
      });
      return [...committedAt].map(([eventId, committed]) => (consumedAt.get(eventId) as number) - committed);
    };

    const p50s = new Map<string, number[]>([
      ['notify', []],
      ['polling', []],
    ]);
    const latencyRound = (variant: 'notify' | 'polling') => async () => {
      const notify = variant === 'notify';
      const latencyRelay: OutboxRelay = createOutboxRelay({
        pool: relayPool,
        kafka,
        registry,
        name: `latency-${variant}`,
        batchSize: BATCH_SIZE,
        pollIntervalMs: POLL_INTERVAL_MS,
        wakeOnNotify: notify,
      });
      latencyRelay.start();
      try {
        await waitUntil(() => latencyRelay.isLeader(), { message: 'latency relay leads' });
        // Warm the relay's producer and the path before timing anything.
        const warmUp = await writeOne(notify);
        await waitUntil(() => consumedAt.has(warmUp), {
          timeoutMs: 10_000,
          message: 'warm-up event consumed',
        });
        committedAt.clear();
        consumedAt.clear();
        await pacedLoad(notify);
        const latencies = await latenciesOfThisRound();
        p50s.get(variant)?.push(percentile(latencies, 50));
        return percentile(latencies, 99);
      } finally {
        await latencyRelay.stop();
        committedAt.clear();
        consumedAt.clear();
      }
    };
    const latency = await alternate(
      [
        { name: 'notify', measure: latencyRound('notify') },
        { name: 'polling', measure: latencyRound('polling') },
      ],
      { rounds: 5, warmupRounds: 1 },
    );
    await consumer.stop();

    // ---- results -------------------------------------------------------------------------------
    const results: ResultRow[] = [];
    const ratios: RatioRow[] = [];
    const rawRow = throughput.get('raw-producer');
    if (!rawRow) throw new Error('missing throughput variant');
    for (const [name, row] of throughput) {
      results.push(resultRow(name, 'throughput', 'events/s', row));
    }
    const ratioNames: Record<string, string> = {
      relay: 'relay/raw-producer',
      'relay (delete on publish)': 'relay-delete-on-publish/raw-producer',
    };
    for (const [variant, ratioName] of Object.entries(ratioNames)) {
      const row = throughput.get(variant);
      if (!row) throw new Error(`missing throughput variant ${variant}`);
      ratios.push(ratioOf(ratioName, { ...row, name: variant }, { ...rawRow, name: 'raw-producer' }));
    }
    for (const variant of ['notify', 'polling'] as const) {
      const p99 = latency.get(variant);
      if (!p99) throw new Error(`missing latency variant ${variant}`);
      const name = `e2e ${variant === 'notify' ? 'NOTIFY wake-up' : `polling only (${POLL_INTERVAL_MS} ms)`} @${RATE_PER_SECOND}/s`;
      results.push({ name, metric: 'p50', unit: 'ms', ...summarize(p50s.get(variant) ?? []) });
      results.push(resultRow(name, 'p99', 'ms', p99));
    }
    const notifyP99 = latency.get('notify');
    const pollingP99 = latency.get('polling');
    if (notifyP99 && pollingP99) {
      ratios.push(
        ratioOf(
          'e2e-p99 polling/notify',
          { ...pollingP99, name: 'polling p99' },
          { ...notifyP99, name: 'notify p99' },
        ),
      );
    }
    return { results, ratios };
  } finally {
    await relayPool.end();
    await consumerPool.end();
    await testKafka.cleanup();
    await db.drop();
  }
});
