// The service against real Postgres and Redis: checks (inline, stored rule, inside a tenant's
// tier), rules CRUD with cache invalidation across two instances, tenants and tiers, the demo
// endpoint behind the middleware, and the bad inputs that must be 400 problem+json.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitUntil } from '@lab/testkit';
import { call, createTestBed, type Running, type TestBed } from './support.ts';

let bed: TestBed;
let a: Running;
let b: Running;
let token: string;

before(async () => {
  bed = await createTestBed('rate_limiter_service');
  a = await bed.start();
  b = await bed.start(); // a second replica on the same database and Redis
  // A gateway's token: configuration writes, inline policies, any tenant (keys as given).
  // authorization.integration.test.ts covers tokens without these scopes.
  token = await bed.token({ scope: 'admin service rate-limiter:inline' });
});
after(() => bed.cleanup());

const check = (base: string, body: unknown) => call(base, 'POST', '/v1/check', { body, token });
const inline = { algorithm: 'sliding-window-log', limit: 3, windowMs: 60_000 };

describe('POST /v1/check', () => {
  test('an inline policy: 200 with the decision, the headers on the response and in the body', async () => {
    const first = await check(a.url, { key: 'k-inline', policy: inline });
    assert.equal(first.status, 200);
    assert.equal(first.body.allowed, true);
    assert.equal(first.body.remaining, 2);
    assert.equal(first.body.rule, 'inline');
    assert.equal(first.body.source, 'redis');
    assert.equal(first.headers.get('ratelimit-policy'), '"inline";q=3;w=60');
    assert.equal(first.headers.get('ratelimit'), '"inline";r=2;t=60');
    assert.deepEqual(first.body.headers, {
      'RateLimit-Policy': '"inline";q=3;w=60',
      RateLimit: '"inline";r=2;t=60',
    });
    await check(a.url, { key: 'k-inline', policy: inline });
    await check(b.url, { key: 'k-inline', policy: inline }); // the other replica shares the counter
    const refused = await check(a.url, { key: 'k-inline', policy: inline });
    assert.equal(refused.status, 200, 'a refusal is an answer, not an error');
    assert.equal(refused.body.allowed, false);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.ok((refused.body.retryAfterMs as number) > 0);
  });

  test('cost is weighed', async () => {
    const result = await check(a.url, { key: 'k-cost', policy: { ...inline, limit: 10 }, cost: 7 });
    assert.equal(result.body.remaining, 3);
    assert.equal(
      (await check(a.url, { key: 'k-cost', policy: { ...inline, limit: 10 }, cost: 4 })).body.allowed,
      false,
    );
  });

  test('inside a tenant: the tier is the outer level, decided in the same script', async () => {
    await call(a.url, 'PUT', '/v1/tiers/tiny', {
      token,
      body: { algorithm: 'fixed-window', limit: 2, windowMs: 60_000 },
    });
    assert.equal(
      (await call(a.url, 'PUT', '/v1/tenants/t-small', { token, body: { tier: 'tiny' } })).status,
      200,
    );
    const body = { key: 'user-1', policy: { ...inline, limit: 100 }, tenant: 't-small' };
    const first = await check(a.url, body);
    assert.deepEqual(
      (first.body.levels as { rule: string }[]).map((level) => level.rule),
      ['tier.tiny', 'inline'],
    );
    await check(a.url, { ...body, key: 'user-2' });
    const third = await check(a.url, { ...body, key: 'user-3' });
    assert.equal(third.body.allowed, false, 'the tenant tier (2/min) is shared by all its users');
    assert.equal(third.body.rule, 'tier.tiny');
    // An enterprise tenant has no tier level at all; a tenant that does not exist is a 400.
    await call(a.url, 'PUT', '/v1/tenants/t-big', { token, body: { tier: 'enterprise' } });
    const big = await check(a.url, { ...body, tenant: 't-big' });
    assert.deepEqual(
      (big.body.levels as { rule: string }[]).map((level) => level.rule),
      ['inline'],
    );
    const unknown = await check(a.url, { ...body, tenant: 'nobody' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.code, 'UNKNOWN_TENANT');
  });
});

describe('rules', () => {
  const rule = { name: 'api', algorithm: 'token-bucket', limit: 2, windowMs: 60_000, description: 'per key' };

  test('create, read, use, replace (every replica sees it at once), delete', async () => {
    const created = await call(a.url, 'POST', '/v1/rules', {
      token,
      body: rule,
      headers: { 'idempotency-key': 'create-api' },
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), '/v1/rules/api');
    assert.equal(created.body.version, 1);
    assert.equal(created.body.failMode, 'open');
    const replay = await call(a.url, 'POST', '/v1/rules', {
      token,
      body: rule,
      headers: { 'idempotency-key': 'create-api' },
    });
    assert.equal(replay.status, 201, 'same Idempotency-Key: the stored response');
    assert.equal((await call(a.url, 'POST', '/v1/rules', { token, body: rule })).status, 409);
    assert.equal((await call(b.url, 'GET', '/v1/rules/api')).body.limit, 2);

    assert.equal((await check(b.url, { key: 'r', rule: 'api' })).body.allowed, true);
    assert.equal((await check(b.url, { key: 'r', rule: 'api' })).body.allowed, true);
    assert.equal((await check(b.url, { key: 'r', rule: 'api' })).body.allowed, false);

    // Replace on A; B has the old version cached, and drops it when A's invalidation arrives.
    const replaced = await call(a.url, 'PUT', '/v1/rules/api', {
      token,
      body: { ...rule, name: undefined, limit: 50 },
    });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.version, 2);
    // Was a 2 s bound, to tell the push from the 30 s cache TTL; a loaded machine took longer. The
    // test bed's TTL is an hour now, so a generous bound still proves the invalidation arrived.
    await waitUntil(async () => (await check(b.url, { key: 'r2', rule: 'api' })).body.limit === 50, {
      timeoutMs: 60_000,
      message: 'replica B decides with the new limit',
    });

    assert.equal((await call(a.url, 'DELETE', '/v1/rules/api', { token })).status, 204);
    await waitUntil(async () => (await check(b.url, { key: 'r', rule: 'api' })).status === 400, {
      timeoutMs: 60_000,
      message: 'replica B forgets the deleted rule',
    });
    assert.equal((await call(a.url, 'GET', '/v1/rules/api')).status, 404);
    assert.equal((await call(a.url, 'DELETE', '/v1/rules/api', { token })).status, 404);
    assert.equal(
      (
        await call(a.url, 'PUT', '/v1/rules/api', {
          token,
          body: { algorithm: 'gcra', limit: 1, windowMs: 1000 },
        })
      ).status,
      404,
    );
  });

  test('the list is cursor-paginated in name order', async () => {
    for (const name of ['p-c', 'p-a', 'p-b']) {
      await call(a.url, 'POST', '/v1/rules', {
        token,
        body: { name, algorithm: 'gcra', limit: 5, windowMs: 1_000 },
      });
    }
    const first = await call(a.url, 'GET', '/v1/rules?limit=2');
    assert.deepEqual(
      (first.body.items as { name: string }[]).map((r) => r.name),
      ['p-a', 'p-b'],
    );
    assert.equal(typeof first.body.next_cursor, 'string');
    const second = await call(a.url, 'GET', `/v1/rules?limit=2&cursor=${first.body.next_cursor}`);
    assert.deepEqual(
      (second.body.items as { name: string }[]).map((r) => r.name),
      ['p-c'],
    );
    assert.equal(second.body.next_cursor, null);
    assert.equal((await call(a.url, 'GET', '/v1/rules?cursor=!!!')).status, 400);
  });

  test('writes need a token; reads do not', async () => {
    const anonymous = await call(a.url, 'POST', '/v1/rules', { body: { ...rule, name: 'x' } });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(
      (await call(a.url, 'POST', '/v1/check', { body: { key: 'k', policy: inline } })).status,
      401,
    );
    assert.equal((await call(a.url, 'GET', '/v1/tiers')).status, 200);
  });
});

describe('bad inputs are 400 problem+json', () => {
  const cases: [string, unknown, string][] = [
    ['negative cost', { key: 'k', policy: inline, cost: -1 }, 'VALIDATION_FAILED'],
    ['huge cost', { key: 'k', policy: inline, cost: 1e12 }, 'VALIDATION_FAILED'],
    ['fractional cost', { key: 'k', policy: inline, cost: 1.5 }, 'VALIDATION_FAILED'],
    ['cost above what the rule can ever admit', { key: 'k', policy: inline, cost: 4 }, 'COST_EXCEEDS_LIMIT'],
    ['unknown algorithm', { key: 'k', policy: { ...inline, algorithm: 'magic' } }, 'VALIDATION_FAILED'],
    ['burst in an inline policy', { key: 'k', policy: { ...inline, burst: 5 } }, 'VALIDATION_FAILED'],
    ['10 KB key', { key: 'x'.repeat(10_240), policy: inline }, 'VALIDATION_FAILED'],
    ['empty key', { key: '', policy: inline }, 'VALIDATION_FAILED'],
    ['unknown rule', { key: 'k', rule: 'no-such-rule' }, 'UNKNOWN_RULE'],
    ['both a rule and a policy', { key: 'k', rule: 'x', policy: inline }, 'VALIDATION_FAILED'],
    ['neither', { key: 'k' }, 'VALIDATION_FAILED'],
    ['an unknown field', { key: 'k', policy: inline, extra: 1 }, 'VALIDATION_FAILED'],
    ['malformed JSON', '{"key": "k", "policy": ', 'MALFORMED_JSON'],
  ];
  for (const [what, body, code] of cases) {
    test(what, async () => {
      const result = await check(a.url, body);
      assert.equal(result.status, 400);
      assert.equal(result.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.equal(result.body.code, code);
      assert.equal(result.body.status, 400);
      assert.doesNotMatch(JSON.stringify(result.body), /\\n\s+at /, 'no stack trace');
    });
  }

  // Every write route refuses a bad body (or a bad name in the path) with a 4xx problem, and the
  // rule is left as it was.
  const good = { algorithm: 'token-bucket', limit: 5, windowMs: 1_000 };
  const ruleCases: [string, 'POST' | 'PUT', string, unknown, string][] = [
    ['create: malformed JSON', 'POST', '/v1/rules', '{"name": "x", ', 'MALFORMED_JSON'],
    ['create: no name', 'POST', '/v1/rules', good, 'VALIDATION_FAILED'],
    ['create: limit 0', 'POST', '/v1/rules', { ...good, name: 'zero', limit: 0 }, 'VALIDATION_FAILED'],
    [
      'create: negative window',
      'POST',
      '/v1/rules',
      { ...good, name: 'neg', windowMs: -1 },
      'VALIDATION_FAILED',
    ],
    [
      'create: fractional limit',
      'POST',
      '/v1/rules',
      { ...good, name: 'frac', limit: 1.5 },
      'VALIDATION_FAILED',
    ],
    [
      'create: limit as a string',
      'POST',
      '/v1/rules',
      { ...good, name: 'str', limit: '5' },
      'VALIDATION_FAILED',
    ],
    [
      'create: unknown algorithm',
      'POST',
      '/v1/rules',
      { ...good, name: 'alg', algorithm: 'magic' },
      'VALIDATION_FAILED',
    ],
    [
      'create: unknown fail mode',
      'POST',
      '/v1/rules',
      { ...good, name: 'fm', failMode: 'maybe' },
      'VALIDATION_FAILED',
    ],
    [
      'create: unknown field',
      'POST',
      '/v1/rules',
      { ...good, name: 'extra', extra: true },
      'VALIDATION_FAILED',
    ],
    ['create: a JSON array', 'POST', '/v1/rules', [good], 'VALIDATION_FAILED'],
    [
      'create: burst on a window algorithm',
      'POST',
      '/v1/rules',
      { name: 'burst', algorithm: 'fixed-window', limit: 5, windowMs: 1_000, burst: 2 },
      'VALIDATION_FAILED',
    ],
    [
      'create: 10 KB description',
      'POST',
      '/v1/rules',
      { ...good, name: 'long', description: 'd'.repeat(10_240) },
      'VALIDATION_FAILED',
    ],
    [
      'create: a NUL in the description (Postgres text cannot hold it)',
      'POST',
      '/v1/rules',
      { ...good, name: 'nul', description: 'a\u0000b' },
      'VALIDATION_FAILED',
    ],
    ['replace: malformed JSON', 'PUT', '/v1/rules/kept', '{', 'MALFORMED_JSON'],
    ['replace: limit above 10^9', 'PUT', '/v1/rules/kept', { ...good, limit: 2e9 }, 'VALIDATION_FAILED'],
    ['replace: a name in the body', 'PUT', '/v1/rules/kept', { ...good, name: 'other' }, 'VALIDATION_FAILED'],
    [
      'replace: sliding log too large',
      'PUT',
      '/v1/rules/kept',
      { algorithm: 'sliding-window-log', limit: 1e6, windowMs: 1_000 },
      'VALIDATION_FAILED',
    ],
    ['replace: bad name in the path', 'PUT', `/v1/rules/${'n'.repeat(65)}`, good, 'VALIDATION_FAILED'],
    ['tier: limit 0', 'PUT', '/v1/tiers/zero', { limit: 0, windowMs: 1_000 }, 'VALIDATION_FAILED'],
    ['tier: no window', 'PUT', '/v1/tiers/nowin', { limit: 5 }, 'VALIDATION_FAILED'],
    [
      'tier: sliding log too large',
      'PUT',
      '/v1/tiers/huge',
      { algorithm: 'sliding-window-log', limit: 1e6, windowMs: 1_000 },
      'VALIDATION_FAILED',
    ],
    ['tenant: malformed JSON', 'PUT', '/v1/tenants/t1', '{"tier":', 'MALFORMED_JSON'],
    ['tenant: bad tier name', 'PUT', '/v1/tenants/t1', { tier: 'Not A Tier' }, 'VALIDATION_FAILED'],
  ];
  test('rule, tier and tenant writes: the stored rule is untouched by refused writes', async () => {
    const created = await call(a.url, 'POST', '/v1/rules', { token, body: { ...good, name: 'kept' } });
    assert.equal(created.status, 201);
    for (const [what, method, path, body, code] of ruleCases) {
      const result = await call(a.url, method, path, { token, body });
      assert.equal(result.status, 400, `${what}: status`);
      assert.equal(
        result.headers.get('content-type'),
        'application/problem+json; charset=utf-8',
        `${what}: content type`,
      );
      assert.equal(result.body.code, code, `${what}: code`);
    }
    const kept = await call(a.url, 'GET', '/v1/rules/kept');
    assert.equal(kept.body.limit, 5);
    assert.equal(kept.body.version, 1, 'no refused write changed the rule');
    for (const name of ['zero', 'alg', 'burst', 'long']) {
      assert.equal((await call(a.url, 'GET', `/v1/rules/${name}`)).status, 404, `${name} was not created`);
    }
  });

  test('rules, tiers and tenants validate too', async () => {
    const bad = [
      await call(a.url, 'POST', '/v1/rules', {
        token,
        body: { name: 'bad name', algorithm: 'gcra', limit: 1, windowMs: 1 },
      }),
      await call(a.url, 'POST', '/v1/rules', {
        token,
        body: { name: 'log', algorithm: 'sliding-window-log', limit: 1e6, windowMs: 1000 },
      }),
      await call(a.url, 'PUT', '/v1/tiers/Bad', { token, body: { limit: 1, windowMs: 1000 } }),
      await call(a.url, 'PUT', '/v1/tenants/t1', { token, body: { tier: 'no-such-tier' } }),
    ];
    assert.deepEqual(
      bad.map((result) => [result.status, result.body.code]),
      [
        [400, 'VALIDATION_FAILED'],
        [400, 'VALIDATION_FAILED'],
        [400, 'VALIDATION_FAILED'],
        [400, 'UNKNOWN_TIER'],
      ],
    );
  });
});

describe('GET /v1/demo/protected', () => {
  test('anonymous: the free tier per client IP, plus the global level', async () => {
    const result = await call(a.url, 'GET', '/v1/demo/protected');
    assert.equal(result.status, 200);
    assert.match(result.body.caller as string, /^ip:/);
    assert.equal(result.headers.get('ratelimit-policy'), '"demo.global";q=5000;w=1, "tier.free";q=100;w=60');
  });

  test('with a token: the tier of the tenant, else of the token; enterprise has no tier level', async () => {
    const pro = await call(a.url, 'GET', '/v1/demo/protected', {
      token: await bed.token({ sub: 'p', tenant: 'other', tier: 'pro' }),
    });
    assert.equal(pro.body.caller, 'user:p');
    assert.match(pro.headers.get('ratelimit-policy') ?? '', /"tier\.pro";q=1000;w=60/);
    const enterprise = await call(a.url, 'GET', '/v1/demo/protected', {
      token: await bed.token({ sub: 'e', tenant: 'other', tier: 'enterprise' }),
    });
    assert.equal(enterprise.headers.get('ratelimit-policy'), '"demo.global";q=5000;w=1');
    // t-small is on the stored tier "tiny" whatever its tokens say.
    const stored = await call(a.url, 'GET', '/v1/demo/protected', {
      token: await bed.token({ sub: 's', tenant: 't-small', tier: 'pro' }),
    });
    assert.match(stored.headers.get('ratelimit-policy') ?? '', /"tier\.tiny"/);
    assert.equal(
      (await call(a.url, 'GET', '/v1/demo/protected', { headers: { authorization: 'Bearer nope' } })).status,
      401,
    );
  });

  test('the 101st request in a minute is refused with 429 problem+json and Retry-After', async () => {
    const user = await bed.token({ sub: 'flood', tenant: 'flood-co', tier: 'free' });
    const statuses: number[] = [];
    for (let i = 0; i < 101; i += 1)
      statuses.push((await call(a.url, 'GET', '/v1/demo/protected', { token: user })).status);
    assert.equal(statuses.filter((status) => status === 200).length, 100);
    assert.equal(statuses[100], 429);
    const refused = await call(a.url, 'GET', '/v1/demo/protected', { token: user });
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 'RATE_LIMITED');
    assert.deepEqual(refused.body['violated-policies'], ['tier.free']);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  });
});
