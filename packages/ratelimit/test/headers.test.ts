import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type LimitResult,
  type Rule,
  rateLimitHeaders,
  refusalProblem,
  unlimitedResult,
} from '../src/index.ts';

const user: Rule = { name: 'user', algorithm: 'token-bucket', limit: 100, windowMs: 60_000 };
const tenant: Rule = { name: 'tenant', algorithm: 'fixed-window', limit: 10_000, windowMs: 3_600_000 };

const result = (overrides: Partial<LimitResult> = {}): LimitResult => ({
  allowed: true,
  limit: 100,
  remaining: 42,
  resetMs: 16_200,
  retryAfterMs: 0,
  rule: user,
  levels: [
    { rule: tenant, allowed: true, limit: 10_000, remaining: 9_120, resetMs: 40_001, retryAfterMs: 0 },
    { rule: user, allowed: true, limit: 100, remaining: 42, resetMs: 16_200, retryAfterMs: 0 },
  ],
  source: 'redis',
  shadowDenied: false,
  ...overrides,
});

test('IETF draft syntax: one list member per level, seconds rounded up', () => {
  assert.deepEqual(rateLimitHeaders(result()), {
    'RateLimit-Policy': '"tenant";q=10000;w=3600, "user";q=100;w=60',
    RateLimit: '"tenant";r=9120;t=41, "user";r=42;t=17',
  });
});

test('a refusal adds Retry-After (whole seconds, at least 1)', () => {
  const refused = rateLimitHeaders(result({ allowed: false, remaining: 0, retryAfterMs: 120 }));
  assert.equal(refused['Retry-After'], '1');
  assert.equal(rateLimitHeaders(result({ allowed: false, retryAfterMs: 2_001 }))['Retry-After'], '3');
});

test('legacy headers describe the binding level', () => {
  const headers = rateLimitHeaders(result(), { standard: false, legacy: true, now: () => 1_000_000 });
  assert.deepEqual(headers, {
    'X-RateLimit-Limit': '100',
    'X-RateLimit-Remaining': '42',
    'X-RateLimit-Reset': '1017',
  });
});

test('policy names are structured-field strings (quotes and backslashes escaped)', () => {
  const odd = { ...user, name: 'a"b\\c' };
  const headers = rateLimitHeaders(
    result({ levels: [{ ...result().levels[1], rule: odd } as LimitResult['levels'][0]] }),
  );
  assert.equal(headers['RateLimit-Policy'], '"a\\"b\\\\c";q=100;w=60');
});

test('shadow levels and unlimited checks show no quota; the real levels of a mixed check do', () => {
  assert.deepEqual(rateLimitHeaders(unlimitedResult()), {});
  const tenantShadow = { ...tenant, shadow: true };
  const mixed = result({
    shadowDenied: true,
    levels: [
      {
        rule: tenantShadow,
        allowed: false,
        limit: 10_000,
        remaining: 0,
        resetMs: 1_000,
        retryAfterMs: 1_000,
      },
      ...result().levels.slice(1),
    ],
  });
  assert.deepEqual(rateLimitHeaders(mixed), {
    'RateLimit-Policy': '"user";q=100;w=60',
    RateLimit: '"user";r=42;t=17',
  });
  const shadowOnly = result({
    levels: [{ ...(result().levels[1] as LimitResult['levels'][0]), rule: { ...user, shadow: true } }],
  });
  assert.deepEqual(rateLimitHeaders(shadowOnly), {});
});

test('sub-second windows still advertise w >= 1', () => {
  const fast = { ...user, windowMs: 250 };
  const headers = rateLimitHeaders(
    result({ levels: [{ ...(result().levels[1] as LimitResult['levels'][0]), rule: fast }] }),
  );
  assert.equal(headers['RateLimit-Policy'], '"user";q=100;w=1');
});

test('refusal bodies: 429 quota-exceeded, 503 when failing closed', () => {
  const quota = refusalProblem(result({ allowed: false, retryAfterMs: 1_500 }), {
    instance: '/x',
    requestId: 'r1',
  });
  assert.equal(quota.status, 429);
  assert.equal(quota.type, 'https://iana.org/assignments/http-problem-types#quota-exceeded');
  assert.deepEqual(quota['violated-policies'], ['user']);
  assert.equal(quota.detail, 'Quota "user" exceeded; retry in 2 s.');
  const down = refusalProblem(result({ allowed: false, source: 'fail-closed', retryAfterMs: 1_000 }));
  assert.equal(down.status, 503);
  assert.equal(down.code, 'RATE_LIMITER_UNAVAILABLE');
  assert.equal(down['violated-policies'], undefined);
});
