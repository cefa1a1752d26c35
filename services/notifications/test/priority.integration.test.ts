// Priority isolation: 20,000 marketing emails to a segment are queued on notify.email.low; once the
// blast is draining, a one-time code is sent. It travels on notify.email.high with its own
// workers, so it reaches the provider while marketing is still arriving: provider-sim records
// marketing messages after the code. The assertion is about order, not time.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitUntil } from '@lab/testkit';
import pg from 'pg';
import { preparePriorityScenario, sendBlast, sendCode, settle } from './support/fixtures.ts';
import { createTestBed, type TestBed } from './support/testbed.ts';

const BLAST = 20_000;
let bed: TestBed;
let pool: pg.Pool;
let otpUser: string;

before(async () => {
  bed = await createTestBed('notif_priority');
  await bed.start({ DELIVERY_CONCURRENCY: '8' });
  pool = new pg.Pool({ connectionString: bed.db.url, max: 2 });
  ({ otpUser } = await preparePriorityScenario(pool, BLAST));
});
after(async () => {
  await pool.end();
  await bed.cleanup();
});

const countStatus = async (eventId: string, statuses: string[]) =>
  (
    await pool.query('SELECT count(*)::int AS n FROM messages WHERE request_id = $1 AND status = ANY($2)', [
      eventId,
      statuses,
    ])
  ).rows[0].n as number;

test('a one-time code is delivered while a 20,000-message marketing blast is still draining', async () => {
  const admin = await bed.admin();
  const { eventId: blast, queued } = await sendBlast(bed.call, admin);
  assert.equal(queued, BLAST, 'the segment was expanded page by page into one message each');
  await waitUntil(async () => (await countStatus(blast, ['sent', 'delivered'])) >= 200, {
    timeoutMs: 120_000,
    message: 'the blast is draining',
  });

  const otp = await sendCode(bed.call, admin, otpUser);
  await settle(pool, otp, ['sent', 'delivered'], { timeoutMs: 120_000 });
  const stillQueued = await countStatus(blast, ['queued']);
  assert.ok(stillQueued > 0, `the code went while ${stillQueued} marketing messages were still queued`);

  const [otpRow] = (await pool.query('SELECT id FROM messages WHERE request_id = $1', [otp])).rows;
  const [otpReceived] = bed.sim.simulator.recordings.list({ messageId: otpRow.id, limit: 1 });
  assert.ok(otpReceived);
  await waitUntil(
    () =>
      bed.sim.simulator.recordings.list({ after: otpReceived.seq, channel: 'email', limit: 1 }).length > 0,
    {
      timeoutMs: 60_000,
      message: 'marketing keeps arriving after the code',
    },
  );
});
