// The limiter's Prometheus metrics. Children are cached per label set because a check runs on
// every request: prom-client's `labels()` builds a key from the label object each call.
import { Counter, type Registry, register } from 'prom-client';

export type Outcome =
  | 'allowed'
  | 'denied'
  | 'shadow_denied'
  | 'local_blocked'
  | 'insurance_allowed'
  | 'insurance_denied'
  | 'fail_open'
  | 'fail_closed';

export type RedisErrorReason = 'not_ready' | 'timeout' | 'circuit_open' | 'error';

type Increment = { inc(value?: number): void };

export type LimiterMetrics = {
  decision(rule: string, algorithm: string, outcome: Outcome): void;
  redisError(reason: RedisErrorReason): void;
  localBlock(rule: string): void;
};

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  // Tests and services build many limiters on one registry: reuse, never register twice.
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames, registers: [registry] });
}

export function createLimiterMetrics(limiter: string, registry: Registry = register): LimiterMetrics {
  const decisions = counter(
    registry,
    'ratelimit_decisions_total',
    'Rate-limit decisions by rule and outcome',
    ['limiter', 'rule', 'algorithm', 'outcome'],
  );
  const redisErrors = counter(
    registry,
    'ratelimit_redis_errors_total',
    'Checks Redis could not answer (the fail mode or insurance decided instead)',
    ['limiter', 'reason'],
  );
  const localBlocks = counter(
    registry,
    'ratelimit_local_blocks_total',
    'Requests refused from the in-memory block list, without a Redis round trip',
    ['limiter', 'rule'],
  );
  const children = new Map<string, Increment>();
  const child = (key: string, make: () => Increment): Increment => {
    let found = children.get(key);
    if (!found) {
      found = make();
      children.set(key, found);
    }
    return found;
  };
  return {
    decision: (rule, algorithm, outcome) =>
      child(`d\0${rule}\0${algorithm}\0${outcome}`, () =>
        decisions.labels({ limiter, rule, algorithm, outcome }),
      ).inc(),
    redisError: (reason) => child(`e\0${reason}`, () => redisErrors.labels({ limiter, reason })).inc(),
    localBlock: (rule) => child(`b\0${rule}`, () => localBlocks.labels({ limiter, rule })).inc(),
  };
}
