// A pool client that is checked out when its connection dies must not crash the process: the
// failure belongs to the code holding the client (its next query rejects), not to an unhandled
// 'error' event. Without createPgPool's guard this file dies with "Connection terminated
// unexpectedly" thrown at the process.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createTestDatabase, waitUntil } from '@lab/testkit';
import { createPgPool } from '../src/index.ts';

const db = await createTestDatabase('client-errors');
const pool = createPgPool({ connectionString: db.url, max: 2 });
after(async () => {
  await pool.end().catch(() => {});
  await db.drop();
});

test('a held client whose connection is terminated rejects its next query; the process lives on', async () => {
  const held = await pool.connect();
  const { rows } = await held.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const ended = new Promise<void>((resolve) => held.once('end', () => resolve()));
  const admin = createPgPool({ connectionString: db.url, max: 1 });
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
  } finally {
    await admin.end();
  }
  await ended; // the 'error' event, if unhandled, was thrown by now
  await assert.rejects(held.query('SELECT 1'));
  held.release(true);
  await waitUntil(async () => (await pool.query('SELECT 1 AS ok')).rows[0]?.ok === 1, {
    timeoutMs: 10_000,
    message: 'the pool serves again with a fresh connection',
  });
});
