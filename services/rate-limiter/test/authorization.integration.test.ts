// Authorization, and one counter per (rule, key) through the API (issue 9): configuration writes
// need `admin`; acting for another tenant needs `service`; inline policies need
// `rate-limiter:inline` and stay within bounds; a caller's key is namespaced by its token's tenant,
// so tenants cannot drain each other's keys and an invented tenant is no fresh quota.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadServiceConfig } from '../src/config.ts';
import { call, createTestBed, type Running, type TestBed } from './support.ts';

let bed: TestBed;
let api: Running;
let admin: string;
let plain: string;
let service: string;
let inliner: string;

before(async () => {
  bed = await createTestBed('rate_limiter_authz');
  api = await bed.start();
  admin = await bed.token({ sub: 'root', tenant: 'ops', scope: 'admin' });
  plain = await bed.token({ sub: 'ann', tenant: 'acme' });
  service = await bed.token({ sub: 'gateway', tenant: 'platform', scope: 'service' });
  inliner = await bed.token({ sub: 'ann', tenant: 'acme', scope: 'rate-limiter:inline' });
  await call(api.url, 'PUT', '/v1/tiers/roomy', {
    token: admin,
    body: { algorithm: 'fixed-window', limit: 1_000, windowMs: 60_000 },
  });
  for (const id of ['acme', 'beta']) {
    await call(api.url, 'PUT', `/v1/tenants/${id}`, { token: admin, body: { tier: 'roomy' } });
  }
  const shared = { name: 'shared', algorithm: 'fixed-window', limit: 2, windowMs: 60_000 };
  assert.equal((await call(api.url, 'POST', '/v1/rules', { token: admin, body: shared })).status, 201);
});
after(() => bed.cleanup());

function assertForbidden(result: Awaited<ReturnType<typeof call>>, what: string) {
  assert.equal(result.status, 403, what);
  assert.equal(result.headers.get('content-type'), 'application/problem+json; charset=utf-8', what);
  assert.equal(result.body.code, 'FORBIDDEN', what);
}

describe('configuration writes need the admin scope', () => {
  const writes: [string, string, unknown][] = [
    ['POST', '/v1/rules', { name: 'mine', algorithm: 'gcra', limit: 5, windowMs: 1_000 }],
    ['PUT', '/v1/rules/shared', { algorithm: 'gcra', limit: 5_000, windowMs: 1_000 }],
    ['DELETE', '/v1/rules/shared', undefined],
    ['PUT', '/v1/tiers/free', { algorithm: 'fixed-window', limit: 1_000_000, windowMs: 1_000 }],
    ['PUT', '/v1/tenants/acme', { tier: 'enterprise' }],
  ];
  for (const [method, path, body] of writes) {
    test(`${method} ${path} with a token that lacks it: 403, nothing changed`, async () => {
      for (const token of [plain, service, inliner]) {
        assertForbidden(await call(api.url, method, path, { token, body }), `${method} ${path}`);
      }
    });
  }

  test('a free tenant cannot move itself to enterprise', async () => {
    const free = await bed.token({ sub: 'ann', tenant: 'acme', tier: 'free' });
    assertForbidden(
      await call(api.url, 'PUT', '/v1/tenants/acme', { token: free, body: { tier: 'enterprise' } }),
      'self-upgrade',
    );
    assert.equal((await call(api.url, 'GET', '/v1/tenants/acme')).body.tier, 'roomy');
    assert.equal((await call(api.url, 'GET', '/v1/rules/shared')).body.limit, 2);
  });

  test('the admin scope is enough', async () => {
    const created = await call(api.url, 'POST', '/v1/rules', {
      token: admin,
      body: { name: 'by-admin', algorithm: 'gcra', limit: 5, windowMs: 1_000 },
    });
    assert.equal(created.status, 201);
    assert.equal((await call(api.url, 'DELETE', '/v1/rules/by-admin', { token: admin })).status, 204);
  });
});

describe('POST /v1/check: the tenant comes from the token', () => {
  const check = (token: string, body: Record<string, unknown>) =>
    call(api.url, 'POST', '/v1/check', { token, body });

  test('naming another tenant needs the service scope', async () => {
    assertForbidden(await check(plain, { key: 'k', rule: 'shared', tenant: 'beta' }), 'another tenant');
    assert.equal(
      (await check(plain, { key: 'own', rule: 'shared', tenant: 'acme' })).status,
      200,
      'its own is fine',
    );
    assert.equal((await check(service, { key: 'svc', rule: 'shared', tenant: 'beta' })).status, 200);
  });

  test("two tenants' identical keys stay apart", async () => {
    const beta = await bed.token({ sub: 'bob', tenant: 'beta' });
    for (let i = 0; i < 2; i += 1)
      assert.equal((await check(plain, { key: 'x', rule: 'shared' })).body.allowed, true);
    assert.equal(
      (await check(plain, { key: 'x', rule: 'shared' })).body.allowed,
      false,
      'acme spent its key x',
    );
    assert.equal((await check(beta, { key: 'x', rule: 'shared' })).body.allowed, true, "beta's x is its own");
  });

  test('a made-up tenant gets no fresh quota', async () => {
    for (let i = 0; i < 2; i += 1) {
      assert.equal(
        (await check(service, { key: 'card-42', rule: 'shared', tenant: 'acme' })).body.allowed,
        true,
      );
    }
    // The rule's counter is the rule and key, whatever tenant is named with it.
    const other = await check(service, { key: 'card-42', rule: 'shared', tenant: 'beta' });
    assert.equal(other.body.allowed, false);
    const invented = await check(service, { key: 'card-42', rule: 'shared', tenant: 'no-such-tenant' });
    assert.equal(invented.status, 400);
    assert.equal(invented.body.code, 'UNKNOWN_TENANT');
    assertForbidden(await check(plain, { key: 'card-42', rule: 'shared', tenant: 'invented' }), 'invented');
  });
});

describe('inline policies are a scope and bounded', () => {
  const check = (token: string, body: Record<string, unknown>) =>
    call(api.url, 'POST', '/v1/check', { token, body });
  const small = { algorithm: 'fixed-window', limit: 10, windowMs: 1_000 };

  test('need the rate-limiter:inline scope', async () => {
    assertForbidden(await check(plain, { key: 'k', policy: small }), 'inline without scope');
    assert.equal((await check(inliner, { key: 'k', policy: small })).status, 200);
  });

  test('bounds on what one policy may cost Redis are refused', async () => {
    const tooBig: Record<string, unknown>[] = [
      // 100,000 sorted-set members, kept for a year: the review's example.
      { algorithm: 'sliding-window-log', limit: 100_000, windowMs: 31_536_000_000 },
      { algorithm: 'sliding-window-log', limit: 1_001, windowMs: 1_000 },
      { algorithm: 'sliding-window-log', limit: 10, windowMs: 3_600_001 },
      { algorithm: 'fixed-window', limit: 10, windowMs: 86_400_001 },
      { algorithm: 'token-bucket', limit: 1_000_001, windowMs: 1_000 },
      { algorithm: 'token-bucket', limit: 10, windowMs: 1_000, burst: 100_000 },
    ];
    for (const policy of tooBig) {
      const refused = await check(inliner, { key: 'k', policy, cost: 1 });
      assert.equal(refused.status, 400, JSON.stringify(policy));
      assert.equal(refused.body.code, 'VALIDATION_FAILED', JSON.stringify(policy));
    }
    const log = { algorithm: 'sliding-window-log', limit: 1_000, windowMs: 3_600_000 };
    assert.equal(
      (await check(inliner, { key: 'k-log', policy: log, cost: 1_000 })).status,
      200,
      'the bound itself is fine',
    );
  });

  test('10,000 distinct inline names add no metric series', async () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `caller-${i}`);
    for (let at = 0; at < names.length; at += 50) {
      await Promise.all(
        names
          .slice(at, at + 50)
          .map((name) => check(inliner, { key: 'k-names', policy: { ...small, name, limit: 1_000 } })),
      );
    }
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    const rules = new Set(
      [...metrics.matchAll(/^ratelimit_decisions_total\{[^}]*rule="([^"]*)"/gm)].map((match) => match[1]),
    );
    assert.ok(rules.has('inline'));
    assert.ok(![...rules].some((rule) => rule?.startsWith('caller-')), [...rules].join(','));
    assert.ok(rules.size < 20, `a small fixed set: ${[...rules].join(', ')}`);
  });
});

test('TRUST_PROXY defaults to one hop: the HAProxy in front', () => {
  const config = loadServiceConfig({
    DATABASE_URL: 'postgres://x',
    REDIS_URL: 'redis://x',
    JWT_SECRET: 'x'.repeat(32),
  });
  assert.equal(config.TRUST_PROXY, 1);
  assert.equal(
    loadServiceConfig({
      DATABASE_URL: 'postgres://x',
      REDIS_URL: 'redis://x',
      JWT_SECRET: 'x'.repeat(32),
      TRUST_PROXY: 'loopback',
    }).TRUST_PROXY,
    'loopback',
  );
  assert.equal(
    loadServiceConfig({
      DATABASE_URL: 'postgres://x',
      REDIS_URL: 'redis://x',
      JWT_SECRET: 'x'.repeat(32),
      TRUST_PROXY: 'false',
    }).TRUST_PROXY,
    false,
  );
});
