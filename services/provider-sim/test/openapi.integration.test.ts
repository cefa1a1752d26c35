// Keeps provider-sim's openapi.yaml honest: the documented operations are exactly the route table,
// and a tour of the API (successes and every error path) only gives documented answers.
import { after, before, test } from 'node:test';
import type { RequestHandler } from 'express';
import {
  assertRoutesMatch,
  createTour,
  loadSpec,
} from '../../notifications/test/support/openapi-contract.ts';
import type { Simulator } from '../src/adapters/simulator.ts';
import { routes } from '../src/http/routes.ts';
import { API_KEY, type ProviderSim, startProviderSim, tokenFor } from './support.ts';

const spec = loadSpec(new URL('../openapi.yaml', import.meta.url));

test('the document is OpenAPI 3.1 and lists exactly the routes the service mounts', () => {
  const noop: RequestHandler = (_req, _res, next) => next();
  assertRoutesMatch(spec, routes({ simulator: {} as Simulator, auth: noop, apiKey: 'x'.repeat(16) }));
});

let sim: ProviderSim;
before(async () => {
  sim = await startProviderSim();
});
after(() => sim.stop());

test('a tour of the API: every answer is documented and matches its schema', async () => {
  const tour = createTour(spec, () => sim.url);
  const admin = await tokenFor('ops', ['admin']);
  const user = await tokenFor('ann');
  const key = (id: string) => ({ authorization: `Bearer ${API_KEY}`, 'idempotency-key': id });
  const sms = { to: '+14155550100', body: 'code 1' };
  const smsPath = '/v1/sms/{provider}/messages';
  const pushPath = '/v1/push/{provider}/messages';
  await tour.visit('POST', '/v1/sms/sms-primary/messages', smsPath, { body: sms, headers: key('a') });
  await tour.visit('POST', '/v1/sms/sms-primary/messages', smsPath, { body: sms, headers: key('a') });
  await tour.visit('POST', '/v1/sms/sms-primary/messages', smsPath, { body: { to: 'x' }, headers: key('b') });
  await tour.visit('POST', '/v1/sms/sms-primary/messages', smsPath, { body: sms });
  await tour.visit('POST', '/v1/sms/nope/messages', smsPath, { body: sms, headers: key('c') });
  await tour.visit('POST', '/v1/sms/sms-primary/messages', smsPath, { body: '{', headers: key('d') });
  await tour.visit('POST', '/v1/push/push-primary/messages', pushPath, {
    body: { token: 't', body: 'b' },
    headers: key('e'),
  });
  await tour.visit('POST', '/v1/push/push-primary/messages', pushPath, {
    body: { token: '' },
    headers: key('f'),
  });
  await tour.visit('PUT', '/v1/providers/push-primary', '/v1/providers/{name}', {
    body: { outage: true },
    token: admin,
  });
  await tour.visit('POST', '/v1/push/push-primary/messages', pushPath, {
    body: { token: 't', body: 'b' },
    headers: key('g'),
  });
  await tour.visit('PUT', '/v1/providers/push-primary', '/v1/providers/{name}', {
    body: { outage: 'yes' },
    token: admin,
  });
  await tour.visit('PUT', '/v1/providers/push-primary', '/v1/providers/{name}', {
    body: { outage: false },
    token: user,
  });
  await tour.visit('PUT', '/v1/providers/push-primary', '/v1/providers/{name}', { body: { outage: false } });
  await tour.visit('PUT', '/v1/providers/nope', '/v1/providers/{name}', {
    body: { outage: false },
    token: admin,
  });
  await tour.visit('PUT', '/v1/providers/sms-primary', '/v1/providers/{name}', {
    body: { timeoutRate: 1, timeoutMs: 1 },
    token: admin,
  });
  await tour.visit('POST', '/v1/sms/sms-primary/messages', smsPath, { body: sms, headers: key('h') }); // 504
  await tour.visit('GET', '/v1/providers', '/v1/providers');
  await tour.visit('GET', '/v1/messages?limit=1', '/v1/messages', { token: admin });
  await tour.visit('GET', '/v1/messages?limit=0', '/v1/messages', { token: admin });
  await tour.visit('GET', '/v1/messages', '/v1/messages', { token: user });
  await tour.visit('GET', '/v1/messages', '/v1/messages');
  await tour.visit('POST', '/v1/reset', '/v1/reset', { token: admin, body: {} });
  await tour.visit('POST', '/v1/reset', '/v1/reset', { token: admin }); // no JSON body: 415
  await tour.visit('POST', '/v1/reset', '/v1/reset', { token: admin, body: { all: true } }); // 400
  await tour.visit('POST', '/v1/reset', '/v1/reset', { token: user });
  await tour.visit('POST', '/v1/reset', '/v1/reset');
  await tour.visit('GET', '/health/live', '/health/live');
  await tour.visit('GET', '/health/ready', '/health/ready');
  await tour.visit('GET', '/metrics', '/metrics');
  tour.done();
});
