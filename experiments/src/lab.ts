// Shared set-up for the experiments: a Redis key space of their own on the shared server (removed
// afterwards), limiters with their own metric registry, and latency summaries. Everything here
// goes through the libraries' public APIs, so an experiment tests what a service would use.
import { once } from 'node:events';
import { percentile } from '@lab/bench';
import { createRateLimiter, type RateLimiter, type RateLimiterOptions } from '@lab/ratelimit';
import { createTestRedis, type TestRedis } from '@lab/testkit';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';

export type LabRedis = TestRedis;

/** A key prefix of its own on the shared Redis; cleanup() deletes its keys and closes connections. */
export function labRedis(label: string): Promise<LabRedis> {
  return createTestRedis(`exp-${label}`);
}

/**
 * A new connection, once it is ready. A limiter asked before its client is ready does not wait:
 * it falls back to its fail mode (fail-open by default), which would count as a decision here.
 */
export async function readyClient(redis: LabRedis): Promise<Redis> {
  const client = redis.connect();
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}

/**
 * A limiter on its own key prefix and metric registry, so variants never share a counter. An
 * experiment about an algorithm must see Redis's decision, not a fallback: with the library's
 * 100 ms time limit, a shared machine under load makes some checks fail open (which is what the
 * fail-modes experiment measures, with the defaults). So the time limit here is 2 s and there is
 * no breaker, unless the caller asks otherwise.
 */
export function limiterFor(
  redis: Redis,
  prefix: string,
  variant: string,
  options: Omit<RateLimiterOptions, 'redis' | 'registry' | 'name' | 'prefix'> = {},
): RateLimiter {
  return createRateLimiter({
    redis,
    registry: new Registry(),
    name: `exp-${variant}`,
    prefix: `${prefix}${variant}:`,
    timeoutMs: 2000,
    breaker: false,
    ...options,
  });
}

/** p50 / p99 / max of latencies in ms, rounded for a table. */
export function latencySummary(samples: readonly number[]): { p50: number; p99: number; max: number } {
  if (samples.length === 0) return { p50: 0, p99: 0, max: 0 };
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    p50: round(percentile(samples, 50)),
    p99: round(percentile(samples, 99)),
    max: round(Math.max(...samples)),
  };
}

export const ratio = (part: number, whole: number): number => (whole === 0 ? 0 : part / whole);
export const pct = (part: number, whole: number): number => Math.round(ratio(part, whole) * 10000) / 100;
