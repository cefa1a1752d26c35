// The insurance limiter: an in-process token bucket per key that decides while Redis cannot
// (rate-limiter-flexible's insuranceLimiter). It is approximate on purpose: each instance only
// sees its own traffic, so with N instances the cluster-wide rate is up to N times one share.
// `share` scales every rule down for that (1/N with N instances); whatever the rule's algorithm,
// the stand-in is a token bucket of the same rate and size, which needs O(1) memory per key.
import { type Clock, preciseClock } from '@lab/resilience';
import { LIMITER_DEFAULTS } from './defaults.ts';
import { capacityOf, type Decision, type Rule } from './policy.ts';

type Bucket = { tokens: number; updated: number };

export type InsuranceOptions = {
  /** Fraction of each rule's rate and burst this instance may grant alone. @default 1 (one instance; 1/N for N) */
  share?: number;
  /** Keys remembered; the oldest is forgotten beyond it. @default 10_000 — bounded memory in an outage */
  maxKeys?: number;
  /** The time source (the lab's one Clock type). @default preciseClock */
  clock?: Clock;
  /** @deprecated Pass `clock` ({ now() }); kept so older callers keep working. */
  now?: () => number;
};

export type InsuranceLevel = { key: string; rule: Rule };

export class InsuranceLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly share: number;
  private readonly maxKeys: number;
  private readonly clock: Clock;

  constructor({
    share = LIMITER_DEFAULTS.insurance.share,
    maxKeys = LIMITER_DEFAULTS.insurance.maxKeys,
    clock = preciseClock,
    now,
  }: InsuranceOptions = {}) {
    if (!(share > 0 && share <= 1)) throw new RangeError('insurance share must be in (0, 1]');
    this.share = share;
    this.maxKeys = maxKeys;
    this.clock = now ? { now } : clock;
  }

  /** Same contract as the Redis path: every level is asked, and only an all-yes consumes. */
  check(levels: readonly InsuranceLevel[], cost: number): { deniedLevel: number; decisions: Decision[] } {
    const at = this.clock.now();
    const decisions: Decision[] = [];
    const pending: { key: string; bucket: Bucket }[] = [];
    for (const [index, { key, rule }] of levels.entries()) {
      const capacity = Math.max(1, Math.floor(capacityOf(rule) * this.share));
      const rate = (rule.limit * this.share) / rule.windowMs;
      const stored = this.buckets.get(key);
      const tokens = stored ? Math.min(capacity, stored.tokens + (at - stored.updated) * rate) : capacity;
      if (tokens < cost) {
        decisions.push({
          allowed: false,
          limit: capacity,
          remaining: Math.floor(tokens),
          resetMs: Math.ceil((capacity - tokens) / rate),
          retryAfterMs: Math.ceil((cost - tokens) / rate),
        });
        return { deniedLevel: index + 1, decisions };
      }
      const left = tokens - cost;
      pending.push({ key, bucket: { tokens: left, updated: at } });
      decisions.push({
        allowed: true,
        limit: capacity,
        remaining: Math.floor(left),
        resetMs: Math.ceil((capacity - left) / rate),
        retryAfterMs: 0,
      });
    }
    for (const { key, bucket } of pending) this.remember(key, bucket);
    return { deniedLevel: 0, decisions };
  }

  private remember(key: string, bucket: Bucket): void {
    this.buckets.delete(key);
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    this.buckets.set(key, bucket);
  }
}
