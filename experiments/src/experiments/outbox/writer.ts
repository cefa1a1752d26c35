// The writer process of the outbox experiment's crash scenario: it commits orders at a constant
// rate and publishes an event for each, by dual write or through the outbox (with the relay
// running in this same process, as in a service). When it reaches CRASH_AT it kills itself with
// SIGKILL right after that order's COMMIT: no cleanup, no flush, like a power cut or an OOM kill.
import { createOutboxRelay, enqueue } from '@lab/outbox';
import { dualWritePublisher } from '@lab/outbox/demo';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { constantRate, runSchedule } from '../../load.ts';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`writer: ${name} is not set`);
  return value;
};
const variant = env('VARIANT') as 'dual write' | 'outbox';
const topic = env('TOPIC');
const first = Number(env('FIRST'));
const last = Number(env('LAST'));
const crashAt = Number(env('CRASH_AT'));
const rate = Number(env('RATE'));

const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: 8 });
pool.on('error', () => {});
const kafka = new Kafka({
  clientId: 'exp-writer',
  brokers: env('KAFKA_BROKERS').split(','),
  logLevel: logLevel.NOTHING,
});
const crash = () => process.kill(process.pid, 'SIGKILL');

const insertOrder = (tx: pg.PoolClient, id: number) =>
  tx.query('INSERT INTO orders (variant, id, committed_ms) VALUES ($1, $2, $3)', [variant, id, Date.now()]);

let write: (id: number) => Promise<void>;
if (variant === 'dual write') {
  const producer = kafka.producer();
  await producer.connect();
  // One publisher per order, so the kill point knows which order it is in, even with several
  // orders in flight at once (the load is open: a slow write does not hold the next one back).
  write = async (id) => {
    const publisher = dualWritePublisher({
      pool,
      producer,
      betweenCommitAndPublish: () => {
        if (id === crashAt) crash();
      },
    });
    await publisher.publish((tx) => insertOrder(tx, id).then(() => {}), event(id));
  };
} else {
  const relay = createOutboxRelay({ pool, kafka, name: env('RELAY_NAME'), pollIntervalMs: 100 });
  relay.start();
  write = async (id) => {
    const tx = await pool.connect();
    try {
      await tx.query('BEGIN');
      await insertOrder(tx, id);
      await enqueue(tx, event(id));
      await tx.query('COMMIT');
    } finally {
      tx.release();
    }
    if (id === crashAt) crash(); // committed; the relay has not published it yet
  };
}

function event(id: number) {
  return {
    topic,
    aggregateType: 'order',
    aggregateId: String(id),
    eventType: 'order.created',
    payload: { variant, id },
  };
}

const ids = Array.from({ length: last - first + 1 }, (_, i) => first + i);
await runSchedule(constantRate(rate, (ids.length * 1000) / rate), (i) => write(ids[i] as number));
process.send?.('done');
// The outbox writer stays up so its relay can finish; the parent stops it once all is delivered.
if (variant === 'dual write') process.exit(0);
