// The express middleware end to end: IETF headers on every response, 429 problem+json with
// Retry-After on refusal, legacy headers on request, tiers from the JWT claims, hierarchical
// levels, the in-memory block (no Redis round trip), shadow mode, fail-closed as 503, and keys
// per client IP through one trusted proxy hop.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTestRedis, type TestRedis } from '@lab/testkit';
import express from 'express';
import { Redis } from 'ioredis';
import {
  combineKeys,
  globalKey,
  ipKey,
  QUOTA_EXCEEDED_TYPE,
  type RateLimiter,
  type Rule,
  rateLimitMiddleware,
  routeKey,
  tenantKey,
  tieredRule,
  userKey,
} from '../src/index.ts';
import { countCommands, limiterOn, metricValue, ready } from './support.ts';

const MINUTE = 60_000;
// A sliding log, not a fixed window: a minute edge during the test must not refill the quota.
const basic: Rule = { name: 'basic', algorithm: 'sliding-window-log', limit: 3, windowMs: MINUTE };

let redis: TestRedis;
let limiter: RateLimiter & { registry: import('prom-client').Registry };
let commands: { readonly count: number; reset(): void };
let baseUrl: string;
let close: () => void;
const offline = new Redis({ lazyConnect: true }); // never connected: status stays 'wait'

before(async () => {
  redis = await createTestRedis('ratelimit-middleware');
  const client = await ready(redis.connect());
  commands = countCommands(client);
  limiter = limiterOn(client, redis.prefix);
  const shadowLimiter = limiterOn(client, `${redis.prefix}shadow:`, {
    shadow: true,
    registry: limiter.registry,
  });
  const downLimiter = limiterOn(offline, redis.prefix, { registry: limiter.registry, name: 'down' });

  const app = express();
  app.set('trust proxy', 1); // one proxy hop in front (HAProxy): req.ip = the address it saw
  // Stands in for service-kit's requireAuth(): verified claims on res.locals.auth.
  app.use((req, res, next) => {
    const tier = req.headers['x-test-tier'];
    if (typeof tier === 'string') res.locals.auth = { sub: `u-${tier}`, tenant: 't1', tier };
    next();
  });
  const ok: express.RequestHandler = (_req, res) => {
    res.json({ ok: true });
  };
  app.get('/basic', rateLimitMiddleware({ limiter, levels: [{ rule: basic, key: ipKey() }] }), ok);
  app.get(
    '/legacy',
    rateLimitMiddleware({
      limiter,
      levels: [{ rule: { ...basic, name: 'legacy' }, key: ipKey() }],
      headers: { legacy: true, now: () => 1_700_000_000_000 },
    }),
    ok,
  );
  app.get(
    '/tiers',
    rateLimitMiddleware({
      limiter,
      levels: [{ rule: tieredRule({ name: 'api', algorithm: 'sliding-window-counter' }), key: userKey() }],
    }),
    ok,
  );
  app.get(
    '/levels/:id',
    rateLimitMiddleware({
      limiter,
      levels: [
        {
          rule: { name: 'global', algorithm: 'fixed-window', limit: 10_000, windowMs: MINUTE },
          key: globalKey(),
        },
        {
          rule: { name: 'tenant', algorithm: 'token-bucket', limit: 50, windowMs: MINUTE },
          key: tenantKey(),
        },
        { rule: { name: 'user', algorithm: 'gcra', limit: 2, windowMs: MINUTE }, key: userKey() },
        {
          rule: { name: 'endpoint', algorithm: 'sliding-window-log', limit: 20, windowMs: MINUTE },
          key: combineKeys(userKey(), routeKey()),
        },
      ],
      cost: (req) => (req.query.heavy ? 2 : 1),
    }),
    ok,
  );
  app.get(
    '/shadow',
    rateLimitMiddleware({
      limiter: shadowLimiter,
      levels: [{ rule: { ...basic, name: 'dark' }, key: ipKey() }],
    }),
    ok,
  );
  app.get(
    '/closed',
    rateLimitMiddleware({
      limiter: downLimiter,
      levels: [{ rule: { ...basic, name: 'closed', failMode: 'closed' }, key: ipKey() }],
    }),
    ok,
  );
  app.get(
    '/open',
    rateLimitMiddleware({
      limiter: downLimiter,
      levels: [{ rule: { ...basic, name: 'opened' }, key: ipKey() }],
    }),
    ok,
  );
  // Rules read from a store: an async chooser (here it answers on the next turn).
  const stored: Rule = { name: 'stored', algorithm: 'gcra', limit: 1, windowMs: MINUTE };
  app.get(
    '/async',
    rateLimitMiddleware({
      limiter,
      levels: [
        {
          rule: (req) =>
            new Promise<Rule | undefined>((resolve, reject) =>
              setImmediate(() => (req.query.broken ? reject(new Error('store down')) : resolve(stored))),
            ),
          key: ipKey(),
        },
      ],
    }),
    ok,
  );
  app.use(((_error, _req, res, _next) => {
    res.status(500).json({ error: 'handled by the app' });
  }) as express.ErrorRequestHandler);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

after(async () => {
  close();
  offline.disconnect();
  await redis.cleanup();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${baseUrl}${path}`, { headers });

describe('headers and the 429 body', () => {
  test('every admitted response carries RateLimit-Policy and RateLimit (draft syntax)', async () => {
    const client = { 'x-forwarded-for': '203.0.113.10' };
    for (let remaining = 2; remaining >= 0; remaining -= 1) {
      const res = await get('/basic', client);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('ratelimit-policy'), '"basic";q=3;w=60');
      assert.match(
        res.headers.get('ratelimit') ?? '',
        new RegExp(`^"basic";r=${remaining};t=([1-9]|[1-5][0-9]|60)$`),
      );
      assert.equal(res.headers.get('retry-after'), null);
      assert.equal(res.headers.get('x-ratelimit-limit'), null, 'legacy headers are opt-in');
    }
    const refused = await get('/basic', { ...client, 'x-request-id': 'req-429' });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.match(refused.headers.get('ratelimit') ?? '', /^"basic";r=0;t=\d+$/);
    const body = (await refused.json()) as Record<string, string>;
    assert.deepEqual(
      { ...body, detail: undefined, retryAfterMs: undefined },
      {
        type: QUOTA_EXCEEDED_TYPE,
        title: 'Too Many Requests',
        status: 429,
        detail: undefined,
        code: 'RATE_LIMITED',
        instance: '/basic',
        requestId: 'req-429',
        'violated-policies': ['basic'],
        retryAfterMs: undefined,
      },
    );
    assert.match(String(body.detail), /^Quota "basic" exceeded; retry in \d+ s\.$/);
  });

  test('a refused key is then refused from memory, without a Redis round trip', async () => {
    const client = { 'x-forwarded-for': '203.0.113.10' }; // exhausted by the test above
    const before = await metricValue(limiter.registry, 'ratelimit_local_blocks_total', { rule: 'basic' });
    commands.reset();
    const res = await get('/basic', client);
    assert.equal(res.status, 429);
    assert.equal(commands.count, 0, 'no Redis command for a locally blocked key');
    assert.equal(
      await metricValue(limiter.registry, 'ratelimit_local_blocks_total', { rule: 'basic' }),
      before + 1,
    );
    // Another client is unaffected, and costs exactly one round trip.
    commands.reset();
    assert.equal((await get('/basic', { 'x-forwarded-for': '203.0.113.11' })).status, 200);
    assert.equal(commands.count, 1);
  });

  test('legacy X-RateLimit-* on request (reset as epoch seconds)', async () => {
    const res = await get('/legacy', { 'x-forwarded-for': '198.51.100.1' });
    assert.equal(res.headers.get('x-ratelimit-limit'), '3');
    assert.equal(res.headers.get('x-ratelimit-remaining'), '2');
    const reset = Number(res.headers.get('x-ratelimit-reset'));
    assert.ok(reset > 1_700_000_000 && reset <= 1_700_000_060, `reset ${reset}`);
    assert.ok(res.headers.get('ratelimit'));
  });
});

describe('keys', () => {
  test('behind one trusted hop the key is the address the proxy saw, not what the client claims', async () => {
    // The client prepends a fake address; the proxy appends the real one. Three different fakes,
    // one real address: one bucket (the right-most, proxy-added entry is what counts).
    const statuses = [];
    for (const fake of ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4']) {
      statuses.push((await get('/basic', { 'x-forwarded-for': `${fake}, 192.0.2.77` })).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });
});

describe('tiers', () => {
  test('free 100/min and pro 1,000/min by the JWT tier; enterprise is not limited at all', async () => {
    const free = await get('/tiers', { 'x-test-tier': 'free' });
    assert.equal(free.headers.get('ratelimit-policy'), '"api.free";q=100;w=60');
    const pro = await get('/tiers', { 'x-test-tier': 'pro' });
    assert.equal(pro.headers.get('ratelimit-policy'), '"api.pro";q=1000;w=60');
    commands.reset();
    const enterprise = await get('/tiers', { 'x-test-tier': 'enterprise' });
    assert.equal(enterprise.status, 200);
    assert.equal(enterprise.headers.get('ratelimit-policy'), null);
    assert.equal(commands.count, 0, 'unlimited: no Redis call');
    // No token: the user level does not apply (no key), so the request is not limited by it.
    assert.equal((await get('/tiers')).headers.get('ratelimit'), null);
  });
});

describe('hierarchical levels', () => {
  test('one list member per level; the user level refuses and names itself', async () => {
    const user = { 'x-test-tier': 'free' };
    const first = await get('/levels/1', user);
    assert.equal(first.status, 200);
    assert.equal(
      first.headers.get('ratelimit-policy'),
      '"global";q=10000;w=60, "user";q=2;w=60, "tenant";q=50;w=60, "endpoint";q=20;w=60',
    );
    assert.match(
      first.headers.get('ratelimit') ?? '',
      /^"global";r=\d+;t=\d+, "user";r=1;t=\d+, "tenant";r=49;t=\d+, "endpoint";r=19;t=\d+$/,
    );
    const heavy = await get('/levels/2?heavy=1', user);
    assert.equal(heavy.status, 429, 'cost 2 does not fit the 1 unit left');
    assert.deepEqual(((await heavy.json()) as Record<string, unknown>)['violated-policies'], ['user']);
    assert.equal((await get('/levels/3', user)).status, 200, 'cost 1 still fits');
  });
});

describe('async rule choosers', () => {
  test('a rule read asynchronously is applied; a chooser that fails goes to the error handler', async () => {
    const client = { 'x-forwarded-for': '198.51.100.77' };
    assert.equal((await get('/async', client)).status, 200);
    const refused = await get('/async', client);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('ratelimit-policy'), '"stored";q=1;w=60');
    assert.equal((await get('/async?broken=1', client)).status, 500);
  });
});

describe('shadow mode and failure modes', () => {
  test('shadow: decides and records, never refuses, shows no quota headers', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await get('/shadow', { 'x-forwarded-for': '198.51.100.200' });
      statuses.push(res.status);
      assert.equal(res.headers.get('ratelimit'), null);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    assert.equal(
      await metricValue(limiter.registry, 'ratelimit_decisions_total', {
        rule: 'dark',
        outcome: 'shadow_denied',
      }),
      2,
    );
  });

  test('Redis unreachable: fail-closed answers 503 problem+json, fail-open lets through', async () => {
    const closed = await get('/closed');
    assert.equal(closed.status, 503);
    assert.ok(Number(closed.headers.get('retry-after')) >= 1);
    const body = (await closed.json()) as Record<string, unknown>;
    assert.equal(body.code, 'RATE_LIMITER_UNAVAILABLE');
    assert.equal(body.status, 503);
    const open = await get('/open');
    assert.equal(open.status, 200);
    assert.equal(open.headers.get('ratelimit'), null, 'nothing is known about the quota');
  });
});
