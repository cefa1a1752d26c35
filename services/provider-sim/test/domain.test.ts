// provider-sim's pure rules: the outcome draw, the bounce rule, the bounded dedup store, the
// webhook signature format.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { bounceOf, channelOf, decide, NORMAL_BEHAVIOUR } from '../src/domain/providers.ts';
import { Recordings } from '../src/domain/recordings.ts';
import { signatureHeader } from '../src/domain/webhook-signature.ts';

test('decide: outage wins, then the timeout draw, then the error draw', () => {
  const b = { ...NORMAL_BEHAVIOUR, timeoutRate: 0.1, errorRate: 0.2 };
  assert.equal(decide({ ...b, outage: true }, 0.99, 0.99), 'outage');
  assert.equal(decide(b, 0.05, 0.99), 'timeout');
  assert.equal(decide(b, 0.5, 0.15), 'error');
  assert.equal(decide(b, 0.5, 0.5), 'accept');
  assert.equal(
    decide({ ...b, timeoutRate: 1, errorRate: 1 }, 0.99, 0.99),
    'timeout',
    'any pair of rates is valid',
  );
  assert.equal(decide(NORMAL_BEHAVIOUR, 0, 0), 'accept');
});

test('bounce rule: addresses and tokens starting with "bounce", numbers starting +1555000', () => {
  assert.equal(bounceOf('email', 'Bounce-1@example.test'), 'hard');
  assert.equal(bounceOf('email', 'ann@example.test'), undefined);
  assert.equal(bounceOf('push', 'bounce-token'), 'hard');
  assert.equal(bounceOf('sms', '+15550001234'), 'hard');
  assert.equal(bounceOf('sms', '+14155550100'), undefined);
  assert.equal(channelOf('sms-secondary'), 'sms');
});

test('recordings: one per (provider, key); the same key at another provider is another message', () => {
  const store = new Recordings(100);
  const message = {
    provider: 'sms-primary' as const,
    channel: 'sms' as const,
    messageId: 'm1',
    to: '+1',
    body: 'x',
  };
  assert.equal(store.accept(message).duplicate, false);
  const again = store.accept(message);
  assert.equal(again.duplicate, true);
  assert.equal(again.record.seq, 1);
  assert.equal(store.accept({ ...message, provider: 'sms-secondary' }).duplicate, false);
  assert.equal(store.size, 2);
  assert.deepEqual(
    store.list({ provider: 'sms-primary', limit: 10 }).map((r) => r.seq),
    [1],
  );
  assert.deepEqual(
    store.list({ after: 1, limit: 10 }).map((r) => r.seq),
    [2],
  );
});

test('recordings are bounded: the oldest goes first, and with it its dedup entry', () => {
  const store = new Recordings(100);
  for (let i = 0; i < 150; i += 1) {
    store.accept({ provider: 'push-primary', channel: 'push', messageId: `m${i}`, to: 't', body: 'b' });
  }
  assert.equal(store.size, 100);
  assert.equal(store.list({ limit: 1 })[0]?.messageId, 'm50');
  assert.equal(
    store.accept({ provider: 'push-primary', channel: 'push', messageId: 'm0', to: 't', body: 'b' })
      .duplicate,
    false,
  );
});

test('signature: t=<seconds>,v1=<HMAC-SHA256 of "t.body">', () => {
  const header = signatureHeader('secret', '{"a":1}', 1_700_000_000);
  const mac = createHmac('sha256', 'secret').update('1700000000.{"a":1}').digest('hex');
  assert.equal(header, `t=1700000000,v1=${mac}`);
});
