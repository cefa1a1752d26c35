// Quiet hours with an injected clock: marketing inside the user's quiet hours is deferred to the
// Redis scheduler (not sent, not dropped), a one-time code to the same user goes at once, and
// moving the clock past the end releases the deferred message, whose trace id survives the wait.
// Also the per-user marketing cap: over it, a message is skipped.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { waitUntil } from '@lab/testkit';
import pg from 'pg';
import { insertTemplate, insertUsers, settle, statusCounts } from './support/fixtures.ts';
import { createTestBed, manualClock, type Notifications, type TestBed } from './support/testbed.ts';

let bed: TestBed;
let pool: pg.Pool;
let service: Notifications;
const start = new Date();
const clock = manualClock(start);
const minute = start.getUTCHours() * 60 + start.getUTCMinutes();

before(async () => {
  bed = await createTestBed('notif_quiet');
  service = await bed.start({ USER_MARKETING_CAP_PER_DAY: '1' }, clock);
  pool = new pg.Pool({ connectionString: bed.db.url, max: 2 });
  await insertTemplate(pool, 'promo', { email: { subject: 'Sale', body: 'Sale {{pct}}%' } });
  await insertTemplate(pool, 'auth.otp', { email: { subject: 'Code', body: 'Code {{code}}' } });
});
after(async () => {
  await pool.end();
  await bed.cleanup();
});

const send = async (
  category: string,
  template: string,
  userIds: string[],
  data: object,
  traceparent?: string,
) => {
  const eventId = randomUUID();
  const token = await bed.admin();
  const body = { eventId, userIds, category, template, data, channels: ['email'] };
  const accepted = await bed.call('POST', '/v1/notifications', {
    token,
    body,
    headers: traceparent ? { traceparent } : {},
  });
  assert.equal(accepted.status, 202);
  return eventId;
};
const received = (eventId: string) =>
  pool
    .query('SELECT id FROM messages WHERE request_id = $1', [eventId])
    .then(({ rows }) =>
      rows.flatMap((row) => bed.sim.simulator.recordings.list({ messageId: row.id, limit: 2 })),
    );

test('marketing waits out quiet hours in the scheduler; transactional does not; the clock releases it', async () => {
  // Quiet from an hour ago to an hour from now, in the user's zone (UTC).
  const [user] = await insertUsers(pool, 'night', 1, {
    quiet: [(minute + 1380) % 1440, (minute + 60) % 1440],
  });
  const traceId = randomUUID().replaceAll('-', '');
  const promo = await send(
    'marketing',
    'promo',
    [user as string],
    { pct: 20 },
    `00-${traceId}-b7ad6b7169203331-01`,
  );
  await waitUntil(async () => (await service.parts.scheduler.size()) === 1, {
    message: 'the promo is deferred',
  });
  assert.deepEqual(await statusCounts(pool, promo), { queued: 1 });

  const otp = await send('transactional', 'auth.otp', [user as string], { code: '123456' });
  await settle(pool, otp, ['sent', 'delivered']);
  assert.equal((await received(promo)).length, 0, 'the one-time code went; the promo still waits');

  clock.set(new Date(start.getTime() + 61 * 60_000)); // past the end of the quiet hours
  await settle(pool, promo, ['sent', 'delivered']);
  const [mail] = await received(promo);
  assert.equal(mail?.traceparent?.split('-')[1], traceId, 'the trace survived the wait');
  assert.equal(await service.parts.scheduler.size(), 0);
});

test('the per-user marketing cap skips what is over it', async () => {
  clock.set(new Date(start.getTime() + 3 * 60 * 60_000)); // outside any quiet hours of this test
  const [user] = await insertUsers(pool, 'capped', 1);
  const first = await send('marketing', 'promo', [user as string], { pct: 10 });
  await settle(pool, first, ['sent', 'delivered']);
  const second = await send('marketing', 'promo', [user as string], { pct: 15 });
  assert.deepEqual(await settle(pool, second, ['skipped']), { skipped: 1 });
  const { rows } = await pool.query('SELECT reason FROM messages WHERE request_id = $1', [second]);
  assert.equal(rows[0].reason, 'user_cap');
});
