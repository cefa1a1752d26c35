// The isolation testkit promises: each test file gets its own database, key prefix and proxy.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  createFaultProxy,
  createTestDatabase,
  createTestRedis,
  hostPortOf,
  testDependencies,
  throughProxy,
  waitUntil,
} from '../src/index.ts';

describe('testkit isolation', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('gives each caller its own database, and drop() removes it', async () => {
    const a = await createTestDatabase('iso');
    const b = await createTestDatabase('iso');
    assert.notEqual(a.name, b.name);
    await a.pool.query('CREATE TABLE only_in_a (id int)');
    await assert.rejects(b.pool.query('SELECT * FROM only_in_a'), /does not exist/);
    await a.drop();
    cleanups.push(() => b.drop());
    const { databaseUrl } = await testDependencies();
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [a.name]);
    await admin.end();
    assert.equal(rowCount, 0);
  });

  it('drop() lets connections that are closing close, and forces one a test left open', async () => {
    const db = await createTestDatabase('iso');
    // A pool the test ended just before the drop: its sockets may still be closing.
    const ended = new pg.Pool({ connectionString: db.url, max: 2 });
    await Promise.all([ended.query('SELECT 1'), ended.query('SELECT 1')]);
    await ended.end();
    // A client the test never ended: only FORCE removes it, and it learns so by an error.
    const leftOpen = new pg.Client({ connectionString: db.url });
    const errors: Error[] = [];
    leftOpen.on('error', (error) => errors.push(error));
    await leftOpen.connect();
    await db.drop();
    await waitUntil(() => errors.length > 0, { message: 'the left-open client hears it was ended' });
    assert.match(errors[0]?.message ?? '', /terminat/);
    const { databaseUrl } = await testDependencies();
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.name]);
    await admin.end();
    assert.equal(rowCount, 0);
  });

  it('deletes only its own Redis keys on cleanup', async () => {
    const mine = await createTestRedis('iso');
    const other = await createTestRedis('iso');
    cleanups.push(() => other.cleanup());
    const client = mine.connect();
    await client.set(`${mine.prefix}a`, '1');
    await client.set(`${other.prefix}a`, '1');
    await mine.cleanup();
    const check = new Redis(mine.url);
    assert.equal(await check.exists(`${mine.prefix}a`), 0);
    assert.equal(await check.exists(`${other.prefix}a`), 1);
    check.disconnect();
  });

  it('puts Toxiproxy between a client and Redis: latency, cut and restore', async () => {
    const redis = await createTestRedis('proxy');
    cleanups.push(() => redis.cleanup());
    const proxy = await createFaultProxy('redis', hostPortOf(redis.url));
    cleanups.push(() => proxy.remove());
    const client = redis.connect({ url: throughProxy(redis.url, proxy) });
    assert.equal(await client.ping(), 'PONG');

    await proxy.addLatency(150);
    const started = performance.now();
    await client.ping();
    assert.ok(performance.now() - started >= 140, 'latency toxic delays the reply');

    await proxy.cut();
    await assert.rejects(client.ping());
    await proxy.restore();
    const fresh = redis.connect({ url: throughProxy(redis.url, proxy) });
    assert.equal(await fresh.ping(), 'PONG');
  });
});
