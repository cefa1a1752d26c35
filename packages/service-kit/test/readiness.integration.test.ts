// Readiness follows the dependencies: the example app reaches Postgres, Redis and Kafka through
// Toxiproxy, and cutting any link turns /health/ready to 503 until the link is restored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createFaultProxy,
  createKafkaFaultProxy,
  type FaultProxy,
  hostPortOf,
  type KafkaFaultProxy,
  throughProxy,
  waitUntil,
} from '@lab/testkit';
import { type Example, startExample } from './fixtures/harness.ts';

let example: Example;
let pgProxy: FaultProxy;
let redisProxy: FaultProxy;
let kafkaProxy: KafkaFaultProxy;

before(async () => {
  kafkaProxy = await createKafkaFaultProxy('sk_ready_kafka');
  const kafka = { socketFactory: kafkaProxy.socketFactory };
  example = await startExample(
    'sk_ready',
    async (env) => {
      pgProxy = await createFaultProxy('sk_ready_pg', hostPortOf(env.DATABASE_URL ?? ''));
      redisProxy = await createFaultProxy('sk_ready_redis', hostPortOf(env.REDIS_URL ?? ''));
      return {
        ...env,
        DATABASE_URL: throughProxy(env.DATABASE_URL ?? '', pgProxy),
        REDIS_URL: throughProxy(env.REDIS_URL ?? '', redisProxy),
      };
    },
    { kafka },
  );
});

after(async () => {
  await example?.close();
  await pgProxy?.remove();
  await redisProxy?.remove();
  await kafkaProxy?.proxy.remove();
});

async function readiness(): Promise<{ status: number; checks: Record<string, boolean> }> {
  const response = await fetch(`${example.url}/health/ready`);
  const body = (await response.json()) as { checks: { name: string; ok: boolean }[] };
  return { status: response.status, checks: Object.fromEntries(body.checks.map((c) => [c.name, c.ok])) };
}

const becomes = (status: number, message: string) =>
  waitUntil(async () => (await readiness()).status === status, {
    timeoutMs: 60_000, // was 10 s: only ends a broken test (reconnects are slow on a loaded machine)
    intervalMs: 100,
    message,
  });

describe('readiness through Toxiproxy', () => {
  it('is ready with every link up', async () => {
    assert.deepEqual(await readiness(), {
      status: 200,
      checks: { postgres: true, redis: true, kafka: true },
    });
  });

  it('turns not-ready when Postgres is cut, and ready again after restore', async () => {
    await pgProxy.cut();
    await becomes(503, 'ready=503 after cutting Postgres');
    const down = await readiness();
    assert.equal(down.checks.postgres, false);
    assert.equal(down.checks.redis, true);
    // Liveness does not depend on the database: restarting the process would not help.
    assert.equal((await fetch(`${example.url}/health/live`)).status, 200);
    await pgProxy.restore();
    await becomes(200, 'ready=200 after restoring Postgres');
  });

  it('turns not-ready when Redis is cut, and ready again after restore', async () => {
    await redisProxy.cut();
    await becomes(503, 'ready=503 after cutting Redis');
    const down = await readiness();
    assert.equal(down.checks.redis, false);
    assert.equal(down.checks.postgres, true);
    await redisProxy.restore();
    await becomes(200, 'ready=200 after restoring Redis');
  });

  it('turns not-ready when Kafka is cut, and ready again after restore', async () => {
    await kafkaProxy.proxy.cut();
    await becomes(503, 'ready=503 after cutting Kafka');
    const down = await readiness();
    assert.equal(down.checks.kafka, false);
    assert.equal(down.checks.postgres, true);
    await kafkaProxy.proxy.restore();
    await becomes(200, 'ready=200 after restoring Kafka');
  });
});
