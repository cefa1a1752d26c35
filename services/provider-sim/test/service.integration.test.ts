// provider-sim over the network: SMS and push sends (API key, idempotency, validation), SMTP
// through nodemailer (AUTH, dedup by X-Idempotency-Key, outage refused at connect), the control
// API (admin only), and signed webhooks arriving at a receiver the test runs.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { waitUntil } from '@lab/testkit';
import nodemailer from 'nodemailer';
import { API_KEY, call, type ProviderSim, startProviderSim, tokenFor, WEBHOOK_SECRET } from './support.ts';

const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
let receiver: Server;
let sim: ProviderSim;
let admin: string;

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/webhooks/provider-sim`;
  sim = await startProviderSim({ WEBHOOK_URL: hook });
  admin = await tokenFor('ops', ['admin']);
});
after(async () => {
  await sim.stop();
  receiver.close();
});

const sms = (
  key: string,
  body: unknown = { to: '+14155550100', body: 'code 123456' },
  provider = 'sms-primary',
) =>
  call(sim.url, 'POST', `/v1/sms/${provider}/messages`, {
    body,
    headers: { authorization: `Bearer ${API_KEY}`, 'idempotency-key': key },
  });

describe('SMS and push', () => {
  test('202 once, and the same key again is recognised as a duplicate, not sent twice', async () => {
    const first = await sms('msg-1');
    assert.equal(first.status, 202);
    assert.equal(first.body.duplicate, false);
    const again = await sms('msg-1');
    assert.equal(again.status, 202);
    assert.equal(again.body.duplicate, true);
    const listed = await call(sim.url, 'GET', '/v1/messages?messageId=msg-1', { token: admin });
    assert.equal((listed.body.items as unknown[]).length, 1);
  });

  test('push records the token as recipient and the caller trace context', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const sent = await call(sim.url, 'POST', '/v1/push/push-secondary/messages', {
      body: { token: 'device-1', title: 'Hi', body: 'new follower' },
      headers: { authorization: `Bearer ${API_KEY}`, 'idempotency-key': 'push-1', traceparent },
    });
    assert.equal(sent.status, 202);
    const listed = await call(sim.url, 'GET', '/v1/messages?provider=push-secondary', { token: admin });
    const [record] = listed.body.items as Record<string, unknown>[];
    assert.equal(record?.to, 'device-1');
    assert.equal(record?.traceparent, traceparent);
  });

  test('bad inputs: wrong key 401, missing Idempotency-Key 400, bad number 400, unknown provider 404', async () => {
    const wrongKey = await call(sim.url, 'POST', '/v1/sms/sms-primary/messages', {
      body: { to: '+14155550100', body: 'x' },
      headers: { authorization: 'Bearer not-the-key', 'idempotency-key': 'k' },
    });
    assert.equal(wrongKey.status, 401);
    const noKey = await call(sim.url, 'POST', '/v1/sms/sms-primary/messages', {
      body: { to: '+14155550100', body: 'x' },
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    assert.equal(noKey.status, 400);
    assert.equal((await sms('k2', { to: '555', body: 'x' })).status, 400);
    assert.equal((await sms('k3', undefined, 'email-primary')).status, 404);
  });
});

describe('control API', () => {
  test('admin only: no token 401, a token without the scope 403', async () => {
    assert.equal(
      (await call(sim.url, 'PUT', '/v1/providers/sms-primary', { body: { outage: true } })).status,
      401,
    );
    const user = await tokenFor('ann');
    const forbidden = await call(sim.url, 'PUT', '/v1/providers/sms-primary', {
      body: { outage: true },
      token: user,
    });
    assert.equal(forbidden.status, 403);
    assert.equal((await call(sim.url, 'GET', '/v1/messages', { token: user })).status, 403);
  });

  test('outage and error rate answer 503; latency and rates validated', async () => {
    const set = (name: string, body: unknown) =>
      call(sim.url, 'PUT', `/v1/providers/${name}`, { body, token: admin });
    assert.equal((await set('sms-primary', { outage: true })).status, 200);
    const down = await sms('msg-outage');
    assert.equal(down.status, 503);
    assert.equal(down.body.code, 'PROVIDER_OUTAGE');
    assert.equal(
      (await sms('msg-outage', undefined, 'sms-secondary')).status,
      202,
      'the secondary still works',
    );
    await set('sms-primary', { outage: false, errorRate: 1 });
    assert.equal((await sms('msg-error')).body.code, 'PROVIDER_ERROR');
    assert.equal((await set('sms-primary', { errorRate: 1.5 })).status, 400);
    assert.equal((await set('sms-primary', { latencyMs: -1 })).status, 400);
    assert.equal((await set('nope', { outage: true })).status, 404);
    await set('sms-primary', { errorRate: 0 });
    assert.equal(
      (await sms('msg-error')).status,
      202,
      'a refused message was not recorded, so it goes through now',
    );
  });
});

describe('SMTP sinks', () => {
  const transport = (port: number, pass = API_KEY) =>
    nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, auth: { user: 'lab', pass } });

  test('accepts authenticated mail once per X-Idempotency-Key', async () => {
    const mailer = transport(sim.smtpPorts().primary);
    const mail = {
      from: 'lab@example.test',
      to: 'ann@example.test',
      subject: 'Your link passed 100 clicks',
      text: 'Congratulations',
      headers: { 'X-Idempotency-Key': 'mail-1' },
    };
    await mailer.sendMail(mail);
    await mailer.sendMail(mail);
    const listed = await call(sim.url, 'GET', '/v1/messages?provider=email-primary', { token: admin });
    const items = listed.body.items as Record<string, unknown>[];
    assert.equal(items.length, 1);
    assert.equal(items[0]?.to, 'ann@example.test');
    assert.equal(items[0]?.subject, 'Your link passed 100 clicks');
    mailer.close();
  });

  test('refuses a wrong password, and refuses at connect during an outage', async () => {
    await assert.rejects(
      transport(sim.smtpPorts().secondary, 'wrong-password-xx').sendMail({
        from: 'a@x.test',
        to: 'b@x.test',
        text: 'x',
        headers: { 'X-Idempotency-Key': 'm' },
      }),
    );
    await call(sim.url, 'PUT', '/v1/providers/email-secondary', { body: { outage: true }, token: admin });
    await assert.rejects(
      transport(sim.smtpPorts().secondary).sendMail({
        from: 'a@x.test',
        to: 'b@x.test',
        text: 'x',
        headers: { 'X-Idempotency-Key': 'm2' },
      }),
      (error: { responseCode?: number }) => error.responseCode === 421,
    );
    await call(sim.url, 'PUT', '/v1/providers/email-secondary', { body: { outage: false }, token: admin });
  });
});

describe('webhooks', () => {
  test('one per accepted message, signed over timestamp and body; a bounce address gives a hard bounce', async () => {
    await sms('hook-1', { to: '+15550001234', body: 'x' });
    await sms('hook-1', { to: '+15550001234', body: 'x' }); // duplicate: no second webhook
    await sim.webhooks.idle();
    await waitUntil(() => received.some((hook) => hook.body.includes('"hook-1"')), {
      message: 'webhook for hook-1',
    });
    const hooks = received.filter((hook) => hook.body.includes('"hook-1"'));
    assert.equal(hooks.length, 1);
    const hook = hooks[0] as (typeof received)[number];
    const event = JSON.parse(hook.body) as Record<string, unknown>;
    assert.equal(event.type, 'bounced');
    assert.equal(event.bounceType, 'hard');
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(hook.headers['x-signature'])) ?? [];
    assert.equal(v1, createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${hook.body}`).digest('hex'));
    assert.ok(received.some((h) => JSON.parse(h.body).type === 'delivered'));
  });
});
