import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request, Response } from 'express';
import {
  apiKeyKey,
  clientAddressKey,
  combineKeys,
  ipKey,
  routeKey,
  tenantKey,
  userKey,
} from '../src/index.ts';

const req = (fields: Record<string, unknown>) =>
  ({ headers: {}, socket: {}, ...fields }) as unknown as Request;
const res = (locals: Record<string, unknown> = {}) => ({ locals }) as unknown as Response;

test('IPv4, and IPv4 on a dual-stack socket, are the address itself', () => {
  assert.equal(clientAddressKey('203.0.113.9'), '203.0.113.9');
  assert.equal(clientAddressKey('::ffff:203.0.113.9'), '203.0.113.9');
});

test('IPv6 is reduced to its prefix (a client owns a /64), so rotating addresses share a bucket', () => {
  assert.equal(clientAddressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2:0:0:0:0/64');
  assert.equal(clientAddressKey('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2:0:0:0:0/64');
  assert.equal(clientAddressKey('2001:db8:1:2ff::1', 56), '2001:db8:1:200:0:0:0:0/56');
  assert.equal(clientAddressKey('::1', 128), '0:0:0:0:0:0:0:1/128');
  assert.equal(clientAddressKey('fe80::1%eth0', 128), 'fe80:0:0:0:0:0:0:1/128');
  assert.equal(clientAddressKey('::ffff:1.2.3.4', 128), '1.2.3.4');
  assert.equal(clientAddressKey('64:ff9b::192.0.2.33', 128), '64:ff9b:0:0:0:0:c000:221/128');
  assert.equal(clientAddressKey('not an ip'), undefined);
  assert.equal(clientAddressKey(undefined), undefined);
});

test('ipKey reads req.ip (express applies trust proxy there), else the socket', () => {
  assert.equal(ipKey()(req({ ip: '198.51.100.4' }), res()), '198.51.100.4');
  assert.equal(ipKey()(req({ socket: { remoteAddress: '198.51.100.5' } }), res()), '198.51.100.5');
  assert.throws(() => ipKey({ ipv6Subnet: 0 }), RangeError);
});

test('user and tenant come from the verified claims, on res.locals.auth or req.auth', () => {
  const claims = { sub: 'ann', tenant: 'acme', tier: 'pro' };
  assert.equal(userKey()(req({}), res({ auth: claims })), 'ann');
  assert.equal(tenantKey()(req({ auth: claims }), res()), 'acme');
  assert.equal(userKey()(req({}), res()), undefined, 'anonymous: the level does not apply');
});

test('API keys are hashed: the secret never becomes a Redis key name', () => {
  const key = apiKeyKey()(req({ headers: { 'x-api-key': 'sk_live_secret' } }), res());
  assert.match(key ?? '', /^k_[A-Za-z0-9_-]{22}$/);
  assert.ok(!key?.includes('secret'));
  assert.equal(apiKeyKey()(req({ headers: {} }), res()), undefined);
});

test('route key is the template, combined keys join parts and need all of them', () => {
  const routed = req({ method: 'GET', baseUrl: '/v1', route: { path: '/items/:id' }, path: '/items/7' });
  assert.equal(routeKey()(routed, res()), 'GET /v1/items/:id');
  assert.equal(routeKey()(req({ method: 'POST', baseUrl: '', path: '/x' }), res()), 'POST /x');
  const both = combineKeys(userKey(), routeKey());
  assert.equal(both(routed, res({ auth: { sub: 'ann' } })), 'ann|GET /v1/items/:id');
  assert.equal(both(routed, res()), undefined);
  // Unrouted, the path is the client's: a 10 KB one is hashed into a short, stable key.
  const long = (suffix: string) =>
    req({ method: 'GET', baseUrl: '', path: `/${'a'.repeat(10_240)}${suffix}` });
  const hashed = routeKey()(long('x'), res()) as string;
  assert.match(hashed, /^GET h_[A-Za-z0-9_-]{43}$/);
  assert.equal(routeKey()(long('x'), res()), hashed, 'the same path, the same key');
  assert.notEqual(routeKey()(long('y'), res()), hashed, 'another path, another key');
});
