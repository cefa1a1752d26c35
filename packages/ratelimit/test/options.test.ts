// Factory options are checked when the limiter is built: a bad one is a RateLimitError with code
// INVALID_OPTIONS, not a limiter that misbehaves under traffic (a NaN bound that never evicts).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createRateLimiter, type RateLimiterOptions } from '../src/index.ts';

// lazyConnect: a real client that never opens a socket; validation happens before any command.
const redis = new Redis({ lazyConnect: true });
after(() => redis.disconnect());

const build = (options: Partial<RateLimiterOptions>) =>
  createRateLimiter({ redis, registry: new Registry(), ...options } as RateLimiterOptions);

test('bad factory options are refused at construction with INVALID_OPTIONS', () => {
  const bad: [string, Partial<RateLimiterOptions>][] = [
    ['no client', { redis: undefined as unknown as Redis }],
    ['not a client', { redis: {} as Redis }],
    ['empty name', { name: '' }],
    ['numeric prefix', { prefix: 1 as unknown as string }],
    ['zero timeout', { timeoutMs: 0 }],
    ['negative timeout', { timeoutMs: -5 }],
    ['NaN timeout', { timeoutMs: Number.NaN }],
    ['infinite timeout', { timeoutMs: Number.POSITIVE_INFINITY }],
    ['NaN block bound', { localBlock: { maxEntries: Number.NaN } }],
    ['zero block bound', { localBlock: { maxEntries: 0 } }],
    ['fractional insurance bound', { insurance: { maxKeys: 1.5 } }],
    ['insurance share above 1', { insurance: { share: 2 } }],
    ['insurance share 0', { insurance: { share: 0 } }],
  ];
  for (const [what, options] of bad) {
    assert.throws(() => build(options), { name: 'RateLimitError', code: 'INVALID_OPTIONS' }, what);
  }
});

test('good options build a limiter', () => {
  const limiter = build({
    name: 'options-ok',
    prefix: 'x:',
    timeoutMs: 5,
    localBlock: { maxEntries: 10 },
    insurance: { share: 0.5, maxKeys: 10 },
  });
  assert.equal(limiter.name, 'options-ok');
});
