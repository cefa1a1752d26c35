// The pure rules: routing, priorities and topics, quiet hours (with any clock), template
// rendering with per-channel escaping and locale fallback, the status table, retries, and
// webhook signature verification.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { lanesOf, priorityOf, topicFor } from '../src/domain/channels.ts';
import { parseJob } from '../src/domain/job.ts';
import { DEFAULT_PREFERENCES, withDefaults } from '../src/domain/preferences.ts';
import { localMinutes, quietUntil } from '../src/domain/quiet-hours.ts';
import { nextStep } from '../src/domain/retry.ts';
import { route } from '../src/domain/routing.ts';
import { canMove, sourcesOf } from '../src/domain/status.ts';
import { pickLocale, render, type TemplateError } from '../src/domain/templates.ts';
import { verifySignature } from '../src/domain/webhook-signature.ts';

describe('routing', () => {
  const contacts = { email: 'ann@example.test', phone: '+14155550100', pushToken: 'tok' };
  const preferences = { ...DEFAULT_PREFERENCES, categories: withDefaults({}) };

  test('transactional reaches every channel the user has; marketing defaults to email only', () => {
    const all = route({
      category: 'transactional',
      requested: undefined,
      contacts,
      preferences,
      suppressed: new Set(),
    });
    assert.deepEqual(all, [
      { channel: 'email', recipient: 'ann@example.test' },
      { channel: 'sms', recipient: '+14155550100' },
      { channel: 'push', recipient: 'tok' },
    ]);
    const marketing = route({
      category: 'marketing',
      requested: undefined,
      contacts,
      preferences,
      suppressed: new Set(),
    });
    assert.deepEqual(marketing, [
      { channel: 'email', recipient: 'ann@example.test' },
      { channel: 'sms', skipped: 'opted_out' },
      { channel: 'push', skipped: 'opted_out' },
    ]);
  });

  test('asked channels only; missing contact and suppressed address are skipped with the reason', () => {
    const routes = route({
      category: 'transactional',
      requested: ['email', 'sms'],
      contacts: { ...contacts, phone: null },
      preferences,
      suppressed: new Set(['email:ann@example.test']),
    });
    assert.deepEqual(routes, [
      { channel: 'email', skipped: 'suppressed' },
      { channel: 'sms', skipped: 'no_contact' },
    ]);
  });

  test('priority by category, one topic per channel and priority (or one shared topic)', () => {
    assert.equal(priorityOf('transactional'), 'high');
    assert.equal(priorityOf('marketing'), 'low');
    assert.equal(topicFor('', 'sms', 'high', 'priority'), 'notify.sms.high');
    assert.equal(topicFor('t.', 'sms', 'high', 'shared'), 't.notify.sms.shared');
    assert.equal(lanesOf('', 'priority').length, 6);
    assert.deepEqual(
      lanesOf('', 'shared').map((lane) => lane.topic),
      ['notify.email.shared', 'notify.sms.shared', 'notify.push.shared'],
    );
  });
});

describe('quiet hours (injected clock)', () => {
  const night = { start: '22:00', end: '07:00' };

  test('local time in the user zone', () => {
    assert.equal(localMinutes(new Date('2026-01-15T12:30:00Z'), 'America/New_York'), 7 * 60 + 30);
    assert.equal(localMinutes(new Date('2026-01-15T12:30:00Z'), 'Asia/Kolkata'), 18 * 60);
  });

  test('inside a window that crosses midnight: released at its local end', () => {
    // 23:30 in Berlin (UTC+1 in January) -> released at 07:00 Berlin = 06:00Z the next day.
    const release = quietUntil(new Date('2026-01-15T22:30:00Z'), night, 'Europe/Berlin');
    assert.equal(release?.toISOString(), '2026-01-16T06:00:00.000Z');
    // 02:15 Berlin, after midnight, still inside.
    assert.equal(
      quietUntil(new Date('2026-01-16T01:15:00Z'), night, 'Europe/Berlin')?.toISOString(),
      '2026-01-16T06:00:00.000Z',
    );
  });

  test('outside the window, or no window, or an empty one: no deferral', () => {
    assert.equal(quietUntil(new Date('2026-01-15T12:00:00Z'), night, 'Europe/Berlin'), undefined);
    assert.equal(
      quietUntil(new Date('2026-01-15T06:00:00Z'), night, 'Europe/Berlin'),
      undefined,
      '07:00 is already out',
    );
    assert.equal(quietUntil(new Date('2026-01-15T22:30:00Z'), null, 'Europe/Berlin'), undefined);
    assert.equal(
      quietUntil(new Date('2026-01-15T22:30:00Z'), { start: '09:00', end: '09:00' }, 'UTC'),
      undefined,
    );
  });

  test('a same-day window', () => {
    const lunch = { start: '12:00', end: '13:00' };
    assert.equal(
      quietUntil(new Date('2026-01-15T12:10:00Z'), lunch, 'UTC')?.toISOString(),
      '2026-01-15T13:00:00.000Z',
    );
  });
});

describe('templates', () => {
  const content = {
    email: { subject: 'New follower: {{name}}', body: '<p>{{name}} follows you</p>' },
    sms: { body: '{{name}} follows you' },
  };

  test('per-channel escaping: HTML in email bodies, no line breaks in subjects, control characters out', () => {
    const email = render(content, 'email', { name: '<b>Bob</b>\r\nBcc: x' });
    assert.equal(email.subject, 'New follower: <b>Bob</b> Bcc: x');
    assert.equal(
      email.body,
      '<p>&lt;b&gt;Bob&lt;/b&gt;\nBcc: x follows you</p>',
      'control characters (CR) out, HTML escaped',
    );
    assert.equal(render(content, 'sms', { name: '<Bob>\u0007' }).body, '<Bob> follows you');
  });

  test('a missing variable or channel is an error, never an empty hole', () => {
    assert.throws(
      () => render(content, 'sms', {}),
      (e: TemplateError) => e.code === 'TEMPLATE_DATA_MISSING',
    );
    assert.throws(
      () => render(content, 'push', { name: 'x' }),
      (e: TemplateError) => e.code === 'TEMPLATE_CHANNEL_MISSING',
    );
  });

  test('locale fallback: exact, then language, then English', () => {
    assert.equal(pickLocale(['en', 'de', 'pt-BR'], 'pt-BR'), 'pt-BR');
    assert.equal(pickLocale(['en', 'de'], 'de-AT'), 'de');
    assert.equal(pickLocale(['en', 'de'], 'fr'), 'en');
    assert.equal(pickLocale(['de'], 'fr'), undefined);
  });
});

describe('status, retries, jobs', () => {
  test('legal moves only', () => {
    assert.ok(canMove('queued', 'sent'));
    assert.ok(canMove('sent', 'delivered'));
    assert.ok(canMove('queued', 'bounced'), 'a webhook may overtake our own commit');
    assert.ok(!canMove('delivered', 'queued'));
    assert.ok(!canMove('sent', 'failed'));
    assert.deepEqual(sourcesOf('queued'), ['failed']);
  });

  test('1 s, 5 s, 30 s, 5 min, then the DLQ; a permanent failure goes at once', () => {
    const delays = [1_000, 5_000, 30_000, 300_000];
    assert.deepEqual(nextStep(1, delays, false), { kind: 'retry', delayMs: 1_000, attempt: 2 });
    assert.deepEqual(nextStep(4, delays, false), { kind: 'retry', delayMs: 300_000, attempt: 5 });
    assert.deepEqual(nextStep(5, delays, false), { kind: 'dead-letter' });
    assert.deepEqual(nextStep(1, delays, true), { kind: 'dead-letter' });
  });

  test('jobs: anything but {messageId: uuid, attempt >= 1} is refused', () => {
    const id = '6f1c1f2e-6c1e-4a59-9d7e-2a0f7d4b1c3a';
    assert.deepEqual(parseJob(JSON.stringify({ messageId: id, attempt: 2 })), { messageId: id, attempt: 2 });
    assert.equal(parseJob('{'), undefined);
    assert.equal(parseJob(JSON.stringify({ messageId: 'x', attempt: 1 })), undefined);
    assert.equal(parseJob(JSON.stringify({ messageId: id, attempt: 0 })), undefined);
  });
});

describe('webhook signatures', () => {
  const secret = 's'.repeat(32);
  const sign = (t: number, body: string) =>
    `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;

  test('valid within the tolerance; stale outside it; a changed body or secret is refused', () => {
    assert.deepEqual(verifySignature(sign(1000, '{}'), '{}', secret, 1200, 300), { ok: true });
    assert.deepEqual(verifySignature(sign(1000, '{}'), '{}', secret, 1301, 300), {
      ok: false,
      reason: 'stale',
    });
    assert.deepEqual(verifySignature(sign(1000, '{}'), '{"a":1}', secret, 1000, 300), {
      ok: false,
      reason: 'bad_signature',
    });
    assert.deepEqual(verifySignature(sign(1000, '{}'), '{}', 'x'.repeat(32), 1000, 300), {
      ok: false,
      reason: 'bad_signature',
    });
    assert.deepEqual(verifySignature('v1=abc', '{}', secret, 1000, 300), { ok: false, reason: 'malformed' });
    assert.deepEqual(verifySignature(undefined, '{}', secret, 1000, 300), { ok: false, reason: 'malformed' });
  });
});
