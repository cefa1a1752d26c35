// Keeps provider-sim's openapi.yaml honest: the documented operations are exactly the route table,
// and a tour of the API (successes and every error path) only gives documented answers, each
// checked by @lab/testkit's openApiContract (status, content type, headers, Ajv 2020-12 body).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CallOptions, openApiContract } from '@lab/testkit';
import type { RequestHandler } from 'express';
import type { Simulator } from '../src/adapters/simulator.ts';
import { routes } from '../src/http/routes.ts';
import { API_KEY, type ProviderSim, startProviderSim, tokenFor } from './support.ts';

const contract = openApiContract(new URL('../openapi.yaml', import.meta.url));

test('the document is OpenAPI 3.1 and lists exactly the routes the service mounts', () => {
  const noop: RequestHandler = (_req, _res, next) => next();
  contract.assertRoutes(routes({ simulator: {} as Simulator, auth: noop, apiKey: 'x'.repeat(16) }));
});

let sim: ProviderSim;
before(async () => {
  sim = await startProviderSim();
});
after(() => sim.stop());

test('a tour of the API: every answer is documented and matches its schema', async () => {
  const visit = (method: string, path: string, options?: CallOptions) =>
    contract.call(sim.url, method, path, options);
  const admin = await tokenFor('ops', ['admin']);
  const user = await tokenFor('ann');
  const key = (id: string) => ({ authorization: `Bearer ${API_KEY}`, 'idempotency-key': id });
  const sms = { to: '+14155550100', body: 'code 1' };
  await visit('POST', '/v1/sms/sms-primary/messages', { body: sms, headers: key('a') });
  await visit('POST', '/v1/sms/sms-primary/messages', { body: sms, headers: key('a') });
  await visit('POST', '/v1/sms/sms-primary/messages', { body: { to: 'x' }, headers: key('b') });
  await visit('POST', '/v1/sms/sms-primary/messages', { body: sms });
  await visit('POST', '/v1/sms/nope/messages', { body: sms, headers: key('c') });
  await visit('POST', '/v1/sms/sms-primary/messages', { body: '{', headers: key('d') });
  await visit('POST', '/v1/push/push-primary/messages', {
    body: { token: 't', body: 'b' },
    headers: key('e'),
  });
  await visit('POST', '/v1/push/push-primary/messages', {
    body: { token: '' },
    headers: key('f'),
  });
  await visit('PUT', '/v1/providers/push-primary', {
    body: { outage: true },
    token: admin,
  });
  await visit('POST', '/v1/push/push-primary/messages', {
    body: { token: 't', body: 'b' },
    headers: key('g'),
  });
  await visit('PUT', '/v1/providers/push-primary', {
    body: { outage: 'yes' },
    token: admin,
  });
  await visit('PUT', '/v1/providers/push-primary', {
    body: { outage: false },
    token: user,
  });
  await visit('PUT', '/v1/providers/push-primary', { body: { outage: false } });
  await visit('PUT', '/v1/providers/nope', {
    body: { outage: false },
    token: admin,
  });
  await visit('PUT', '/v1/providers/sms-primary', {
    body: { timeoutRate: 1, timeoutMs: 1 },
    token: admin,
  });
  await visit('POST', '/v1/sms/sms-primary/messages', { body: sms, headers: key('h') }); // 504
  await visit('GET', '/v1/providers');
  await visit('GET', '/v1/messages?limit=1', { token: admin });
  await visit('GET', '/v1/messages?limit=0', { token: admin });
  const empty = await visit('GET', '/v1/messages?cursor=', { token: admin }); // not an integer
  assert.equal(empty.status, 400);
  await visit('GET', '/v1/messages', { token: user });
  await visit('GET', '/v1/messages');
  await visit('POST', '/v1/reset', { token: admin, body: {} });
  await visit('POST', '/v1/reset', { token: admin }); // no JSON body: 415
  await visit('POST', '/v1/reset', { token: admin, body: { all: true } }); // 400
  await visit('POST', '/v1/reset', { token: user });
  await visit('POST', '/v1/reset');
  await visit('GET', '/health/live');
  await visit('GET', '/health/ready');
  await visit('GET', '/metrics');
  contract.assertExercised();
});
