// Outbox vs dual write (catalogue §9 #26). Dual write commits to Postgres and then publishes to
// Kafka: when Kafka is away, or the process dies between the two, the order exists and its event
// never does. The outbox commits the event with the order, and a relay publishes it whenever
// Kafka and a process are there again: the same failure makes the event late, not lost.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { applyOutboxSchema, createOutboxRelay, enqueue } from '@lab/outbox';
import { dualWritePublisher } from '@lab/outbox/demo';
import {
  createKafkaFaultProxy,
  createTestDatabase,
  createTestKafka,
  type TestDatabase,
  uniqueName,
} from '@lab/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { facet } from '../chart.ts';
import { defineExperiment, type Row } from '../experiment.ts';
import { latencySummary } from '../lab.ts';
import { constantRate, runSchedule } from '../load.ts';
import { seededRandom } from '../random.ts';
import { type Deliveries, startReader } from './outbox/reader.ts';

const VARIANTS = ['dual write', 'outbox'] as const;
type Variant = (typeof VARIANTS)[number];
const RATE = 40;

type Result = {
  scenario: string;
  variant: Variant;
  /** Writer processes killed between commit and publish (process-killed scenario only). */
  kills?: number;
  committed: number;
  delivered: number;
  lost: number;
  lateMs: number[];
};
type Raw = { results: Result[] };

export default defineExperiment<Raw>({
  name: 'outbox-vs-dual-write',
  title: 'Outbox vs dual write: the broker down, then the process killed',
  catalogue: '§9 #26',
  claim:
    'With dual write, an event is lost when Kafka is down or the service crashes between the DB commit and the publish; with the transactional outbox it is delivered late. Source: 000 "if Kafka publish fails after DB commit, event is lost … This is the dual-write problem"; 001 "Dual write DB+Kafka | One succeeds one fails — inconsistent"; 003 "if data saved, event will eventually publish".',
  setup:
    "A database of its own on the shared Postgres (an `orders` table plus the outbox schema) and topics of its own on the shared Kafka. Dual write is `dualWritePublisher` from `@lab/outbox/demo`; the outbox variant is `enqueue` in the order's transaction and `createOutboxRelay`. A reader consumes the topics directly from the broker and records which order ids arrived, and when. **Broker down:** every producer connection of the writers goes through testkit's Kafka fault proxy (Toxiproxy), which is cut for the middle third of the run; the dual-write producer retries twice (kafkajs's default would wait up to half a minute, longer than a request can). **Process killed:** the writer runs in a child process that SIGKILLs itself right after a seeded-random order's COMMIT and before its publish; the experiment restarts it from the next order each time (the outbox writer runs its relay, as a service would).",
  variants: [...VARIANTS],
  load: `orders at ${RATE}/s at a constant rate. Broker down: 10 s (4 s quick), both variants at once. Process killed: 240 orders per variant with 3 kills (80 with 1 kill quick), the two variants side by side.`,
  measured:
    'orders committed, events delivered (distinct order ids), events lost (committed, never delivered), and how late delivered events were (commit to arrival at the reader).',
  verdictRule:
    'reproduced when dual write loses events in both scenarios and the outbox loses none in either; not reproduced otherwise.',
  expectedSeconds: { full: 60, quick: 35 },
  async run({ quick, seed, progress }) {
    const db = await createTestDatabase('exp_outbox');
    const testKafka = await createTestKafka('exp-outbox');
    try {
      await applyOutboxSchema(db.pool);
      await db.pool.query(
        'CREATE TABLE orders (variant text NOT NULL, id int NOT NULL, committed_ms bigint NOT NULL, PRIMARY KEY (variant, id))',
      );
      const topics = {
        broker: await testKafka.createTopic('exp.order.broker', 1),
        crash: await testKafka.createTopic('exp.order.crash', 1),
      };
      const reader = await startReader(testKafka.kafka, Object.values(topics));
      try {
        const results: Result[] = [];
        results.push(...(await brokerDown(db, topics.broker, reader, quick)));
        progress.step(`broker down: ${describe(results)}`);
        await db.pool.query('TRUNCATE orders');
        const crashed = await processKilled(db, testKafka.brokers, topics.crash, reader, quick, seed);
        progress.step(`process killed: ${describe(crashed)}`);
        results.push(...crashed);
        return summarize(results);
      } finally {
        await reader.stop();
      }
    } finally {
      await testKafka.cleanup();
      await db.drop();
    }
  },
  judge({ raw }) {
    const lost = (variant: Variant, scenario: string) =>
      raw.results.find((r) => r.variant === variant && r.scenario === scenario)?.lost ?? 0;
    const scenarios = [...new Set(raw.results.map((r) => r.scenario))];
    const reason = `${scenarios
      .map((s) => `${s}: dual write lost ${lost('dual write', s)} events, the outbox ${lost('outbox', s)}`)
      .join('; ')}.`;
    const ok = scenarios.every((s) => lost('dual write', s) > 0 && lost('outbox', s) === 0);
    return { verdict: ok ? 'reproduced' : 'not reproduced', reason };
  },
});

function describe(results: Result[]): string {
  return results.map((r) => `${r.variant} lost ${r.lost} of ${r.committed}`).join(', ');
}

/** Both variants write at once while the Kafka proxy is cut for the middle third of the run. */
async function brokerDown(
  db: TestDatabase,
  topic: string,
  reader: Deliveries,
  quick: boolean,
): Promise<Result[]> {
  const durationMs = quick ? 4000 : 10_000;
  const { proxy, socketFactory } = await createKafkaFaultProxy('exp-outbox-kafka');
  const viaProxy = new Kafka({
    clientId: uniqueName('exp-outbox'),
    brokers: [proxy.listen],
    socketFactory,
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 100 },
  });
  const producer = viaProxy.producer();
  await producer.connect();
  const relay = createOutboxRelay({
    pool: db.pool,
    kafka: viaProxy,
    name: uniqueName('exp-relay'),
    pollIntervalMs: 100,
  });
  relay.start();
  const dual = dualWritePublisher({ pool: db.pool, producer });
  const insert = (variant: Variant, id: number) => (tx: import('pg').PoolClient) =>
    tx
      .query('INSERT INTO orders (variant, id, committed_ms) VALUES ($1, $2, $3)', [variant, id, Date.now()])
      .then(() => {});
  const event = (variant: Variant, id: number) => ({
    topic,
    aggregateType: 'order',
    aggregateId: String(id),
    eventType: 'order.created',
    payload: { variant, id },
  });
  const write = {
    'dual write': (id: number) =>
      dual.publish(insert('dual write', id), event('dual write', id)).catch(() => {}),
    outbox: async (id: number) => {
      const tx = await db.pool.connect();
      try {
        await tx.query('BEGIN');
        await insert('outbox', id)(tx);
        await enqueue(tx, event('outbox', id));
        await tx.query('COMMIT');
      } finally {
        tx.release();
      }
    },
  };
  const faults = (async () => {
    await new Promise((r) => setTimeout(r, durationMs / 3));
    await proxy.cut();
    await new Promise((r) => setTimeout(r, durationMs / 3));
    await proxy.restore();
  })();
  try {
    await runSchedule(constantRate(RATE, durationMs), (i) => Promise.all(VARIANTS.map((v) => write[v](i))));
    await faults;
    return await settle(db, reader, topic, 'broker down', 20_000);
  } finally {
    await relay.stop();
    await producer.disconnect().catch(() => {});
    await proxy.remove();
  }
}

/** Each variant's writer in a child process that kills itself between commit and publish. */
async function processKilled(
  db: TestDatabase,
  brokers: string[],
  topic: string,
  reader: Deliveries,
  quick: boolean,
  seed: number,
): Promise<Result[]> {
  const total = quick ? 80 : 240;
  const killsPerVariant = quick ? 1 : 3;
  const random = seededRandom(seed);
  const relayName = uniqueName('exp-crash-relay');
  const kills: Record<Variant, number> = { 'dual write': 0, outbox: 0 };
  const runVariant = async (variant: Variant) => {
    // Kill points spread over the run, one per segment, at a seeded position within it.
    const segment = Math.floor(total / (killsPerVariant + 1));
    const crashPoints = Array.from(
      { length: killsPerVariant },
      (_, k) => k * segment + 5 + random.int(segment - 10),
    );
    let next = 0;
    for (const crashAt of [...crashPoints, -1]) {
      const child = spawnWriter({
        variant,
        topic,
        first: next,
        last: total - 1,
        crashAt,
        db,
        brokers,
        relayName,
      });
      if (crashAt >= 0) {
        const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
        if (signal === 'SIGKILL') kills[variant] += 1;
        const { rows } = await db.pool.query('SELECT max(id) AS max FROM orders WHERE variant = $1', [
          variant,
        ]);
        next = Number(rows[0].max) + 1;
      } else {
        await once(child, 'message');
        // The outbox writer's relay may still be publishing; a lost dual-write event never comes.
        await waitForAll(db, reader, topic, variant, variant === 'outbox' ? 20_000 : 2000);
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      }
    }
  };
  await Promise.all(VARIANTS.map(runVariant));
  const results = await settle(db, reader, topic, 'process killed', 5000);
  return results.map((r) => ({ ...r, kills: kills[r.variant] }));
}

function spawnWriter(o: {
  variant: Variant;
  topic: string;
  first: number;
  last: number;
  crashAt: number;
  db: TestDatabase;
  brokers: string[];
  relayName: string;
}): ChildProcess {
  const child = fork(path.join(import.meta.dirname, 'outbox', 'writer.ts'), {
    env: {
      ...process.env,
      VARIANT: o.variant,
      TOPIC: o.topic,
      FIRST: String(o.first),
      LAST: String(o.last),
      CRASH_AT: String(o.crashAt),
      RATE: String(RATE),
      DATABASE_URL: o.db.url,
      KAFKA_BROKERS: o.brokers.join(','),
      RELAY_NAME: o.relayName,
    },
    stdio: 'inherit',
  });
  return child;
}

/** Waits (bounded) until the reader has every committed order of the variant. */
async function waitForAll(
  db: TestDatabase,
  reader: Deliveries,
  topic: string,
  variant: Variant,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.pool.query('SELECT id FROM orders WHERE variant = $1', [variant]);
    if (rows.every((r: { id: number }) => reader.arrivedAt(topic, variant, r.id) !== undefined)) return;
    if (Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Counts committed, delivered and lost per variant, after giving late events time to arrive. */
async function settle(
  db: TestDatabase,
  reader: Deliveries,
  topic: string,
  scenario: string,
  timeoutMs: number,
): Promise<Result[]> {
  await waitForAll(db, reader, topic, 'outbox', timeoutMs);
  // Dual write has no one left to publish a lost event; a short wait lets in-flight sends land.
  await waitForAll(db, reader, topic, 'dual write', 2000);
  const out: Result[] = [];
  for (const variant of VARIANTS) {
    const { rows } = await db.pool.query('SELECT id, committed_ms FROM orders WHERE variant = $1', [variant]);
    const lateMs: number[] = [];
    let lost = 0;
    for (const row of rows as { id: number; committed_ms: string }[]) {
      const arrived = reader.arrivedAt(topic, variant, row.id);
      if (arrived === undefined) lost += 1;
      else lateMs.push(arrived - Number(row.committed_ms));
    }
    out.push({ scenario, variant, committed: rows.length, delivered: rows.length - lost, lost, lateMs });
  }
  return out;
}

function summarize(results: Result[]) {
  const rows: Row[] = results.map((r) => {
    const late = latencySummary(r.lateMs);
    return {
      scenario: r.scenario,
      variant: r.variant,
      'writer processes killed': r.kills ?? '',
      'orders committed': r.committed,
      'events delivered': r.delivered,
      'events lost': r.lost,
      'delay p50 ms': Math.round(late.p50),
      'delay p99 ms': Math.round(late.p99),
      'delay max ms': Math.round(late.max),
    };
  });
  const values: Row[] = results.flatMap((r) => [
    { scenario: r.scenario, variant: r.variant, fate: 'delivered', events: r.delivered },
    { scenario: r.scenario, variant: r.variant, fate: 'lost', events: r.lost },
  ]);
  return {
    rows,
    raw: { results: results.map((r) => ({ ...r, lateMs: r.lateMs.map(Math.round) })) },
    notes: [
      "Delays run from the order's commit to its arrival at the reader; the outbox's maximum is the outage (or the restart) plus the relay's catch-up.",
    ],
    chart: {
      spec: facet(
        'scenario',
        {
          mark: { type: 'bar' },
          encoding: {
            x: { field: 'variant', type: 'nominal', title: null, axis: { labelAngle: 0 } },
            y: { field: 'events', type: 'quantitative', title: 'events', stack: true },
            color: {
              field: 'fate',
              type: 'nominal',
              scale: { domain: ['delivered', 'lost'], range: ['#4c9f50', '#c0392b'] },
            },
          },
        },
        { height: 220, width: 250, column: true },
      ),
      values,
    },
  };
}
