// Rate limits on the way out (@lab/ratelimit, counters in Redis so every replica shares them):
//
// - per provider: a provider's contract allows so many sends per second. The budget is split by
//   priority lane (high gets a fifth, low four fifths) so that a marketing blast using all of its
//   share still leaves one-time codes a share of their own; a caller over budget waits its turn.
// - per user: at most USER_MARKETING_CAP_PER_DAY marketing messages per channel per day. Over it,
//   the message is skipped rather than delayed: tomorrow it would be stale.
import type { RateLimiter, Rule } from '@lab/ratelimit';
import type { Channel, Priority } from '../../domain/channels.ts';

const HIGH_SHARE = 0.2;
const MAX_WAITS = 50;

export type Budgets = {
  /** Resolves when the provider may take one more send from this lane. */
  provider(provider: string, lane: Priority): Promise<void>;
  /** True when the user is still under today's marketing cap on this channel (and counts one). */
  underUserCap(userId: string, channel: Channel): Promise<boolean>;
};

export function createBudgets(
  limiter: RateLimiter,
  options: { providerPerSecond: number; userCapPerDay: number },
): Budgets {
  const laneRule = (lane: Priority): Rule => ({
    name: `provider-${lane}`,
    algorithm: 'gcra',
    limit: Math.max(
      1,
      Math.floor(options.providerPerSecond * (lane === 'high' ? HIGH_SHARE : 1 - HIGH_SHARE)),
    ),
    windowMs: 1_000,
  });
  const rules = { high: laneRule('high'), low: laneRule('low') };
  const userCap: Rule = {
    name: 'user-marketing-cap',
    algorithm: 'sliding-window-counter',
    limit: options.userCapPerDay,
    windowMs: 86_400_000,
  };
  return {
    async provider(provider, lane) {
      for (let wait = 0; wait < MAX_WAITS; wait += 1) {
        const decision = await limiter.check(rules[lane], provider);
        if (decision.allowed) return;
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(Math.max(decision.retryAfterMs, 1), 1_000)),
        );
      }
      // A budget that never frees up means the limit is misconfigured: send rather than stall.
    },
    async underUserCap(userId, channel) {
      return (await limiter.check(userCap, `${userId}:${channel}`)).allowed;
    },
  };
}
