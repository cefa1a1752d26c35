// The process is killed (SIGKILL, a real child process) after the provider accepted a message and
// before the status commit. The job was never committed in Kafka, so the next instance delivers it
// again, and the provider recognises the message id: one message at provider-sim.
//
// provider-sim's `ackDelayMs` holds its answer after it recorded the message, which opens exactly
// that window; the test kills the service once provider-sim has the message, so no timing luck.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { metricValue } from '@lab/metrics';
import { call, waitUntil } from '@lab/testkit';
import pg from 'pg';
import { insertTemplate, insertUsers, settle, statusCounts } from './support/fixtures.ts';
import { createTestBed, type TestBed } from './support/testbed.ts';

let bed: TestBed;
let pool: pg.Pool;
let child: ChildProcess | undefined;

before(async () => {
  // No delivery webhooks: provider-sim reports 'delivered' as soon as it records the message, and
  // that report could commit before the kill, which is not the window this test is about.
  bed = await createTestBed('notif_crash', { webhooks: false });
  pool = new pg.Pool({ connectionString: bed.db.url, max: 2 });
});
after(async () => {
  child?.kill('SIGKILL');
  await pool.end();
  await bed.cleanup();
});

test('killed between the provider call and the commit: still one message at the provider', async () => {
  // A provider call may wait a minute here, so the kill lands while it is in flight.
  const env = bed.envFor({ PROVIDER_TIMEOUT_MS: '120000' });
  child = spawn(process.execPath, [new URL('../src/main.ts', import.meta.url).pathname], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${bed.port}`;
  await waitUntil(
    async () => (await call(base, 'GET', '/health/ready').catch(() => ({ status: 0 }))).status === 200,
    {
      timeoutMs: 60_000,
      message: 'the child service is ready',
    },
  );
  await insertTemplate(pool, 'auth.otp', { sms: { body: 'Code {{code}}' } });
  const [user] = await insertUsers(pool, 'crash', 1);
  bed.sim.simulator.setBehaviour('sms-primary', { ackDelayMs: 60_000 });

  const eventId = randomUUID();
  const sent = await call(base, 'POST', '/v1/notifications', {
    token: await bed.sender(),
    body: {
      eventId,
      userIds: [user],
      category: 'transactional',
      template: 'auth.otp',
      data: { code: '1' },
      channels: ['sms'],
    },
  });
  assert.equal(sent.status, 202);
  const [row] = (await pool.query('SELECT id FROM messages WHERE request_id = $1', [eventId])).rows;
  await waitUntil(() => bed.sim.simulator.recordings.list({ messageId: row.id, limit: 2 }).length === 1, {
    timeoutMs: 60_000,
    message: 'provider-sim accepted the message',
  });

  child.kill('SIGKILL');
  await once(child, 'exit');
  child = undefined;
  assert.deepEqual(await statusCounts(pool, eventId), { queued: 1 }, 'the commit never happened');

  bed.sim.simulator.setBehaviour('sms-primary', { ackDelayMs: 0 });
  await bed.start(); // the next instance: same group, the job comes again once the dead member is gone
  await settle(pool, eventId, ['sent', 'delivered'], { timeoutMs: 120_000 });
  assert.equal(
    bed.sim.simulator.recordings.list({ messageId: row.id, limit: 5 }).length,
    1,
    'one message at provider-sim',
  );
  const duplicates = await metricValue(bed.sim.deps.registry, 'provider_sim_requests_total', {
    provider: 'sms-primary',
    outcome: 'duplicate',
  });
  assert.equal(duplicates, 1, 'the second call was recognised by its idempotency key');
});
