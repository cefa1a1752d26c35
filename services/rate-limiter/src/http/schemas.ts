// Request bodies and query strings, validated with zod at the edge (a ZodError becomes a 400
// problem with field errors). The bounds are the API's promises, mirrored one for one in
// openapi.yaml (the contract fuzz in CI sends what the document allows and expects it accepted):
// a per-algorithm union wherever a field's bounds depend on the algorithm.
import { LIMITS } from '@lab/ratelimit';
import { z } from '@lab/service-kit';
import { NAME_PATTERN } from '../domain/policies.ts';

const name = z
  .string()
  .regex(NAME_PATTERN, '1-64 letters, digits, "_", "." or "-", starting with a letter or digit');
const windowMs = z.number().int().min(LIMITS.minWindowMs).max(LIMITS.maxWindowMs);
const failMode = z.enum(['open', 'closed']);
const upTo = (max: number) => z.number().int().min(1).max(max);

/** The windows keep a count or two per key; their limit costs nothing in memory. */
export const WINDOW_ALGORITHMS = ['fixed-window', 'sliding-window-counter'] as const;
/** The buckets and GCRA take a `burst` (how much may pass at once). */
export const BUCKET_ALGORITHMS = ['token-bucket', 'leaky-bucket', 'gcra'] as const;
/** Tiers are tenant-wide and large: the sliding log (one entry per request) is not offered. */
export const TIER_ALGORITHMS = [...WINDOW_ALGORITHMS, ...BUCKET_ALGORITHMS] as const;

/** The largest cost one check may carry: a request is one unit; a batch or a token count, more. */
export const MAX_COST = 1_000_000;
/** Keys are identifiers (a user, an IP, an API key hash), not payloads. */
export const MAX_KEY_LENGTH = 256;

/**
 * Bounds of an inline policy, which any caller with `rate-limiter:inline` sends per request (a
 * stored rule is an admin's decision). They bound what one policy can cost Redis:
 *   - every key expires within a day (maxWindowMs), so fresh keys cannot pile up for a year;
 *   - the sliding log keeps one sorted-set member per admitted unit for a whole window, and a check
 *     of cost c adds c members in one blocking script: at most 1,000 members (about 64 KB) held at
 *     most an hour, so limit × window ≤ 1,000 member-hours per key;
 *   - no `burst`: a bucket's capacity is its limit, so its refill time is at most its window.
 */
export const INLINE_BOUNDS = {
  maxLimit: 1_000_000,
  maxWindowMs: 86_400_000,
  slidingLog: { maxLimit: 1_000, maxWindowMs: 3_600_000 },
} as const;

export const tenantId = name;
export const tierName = z.string().regex(/^[a-z0-9_-]{1,32}$/, '1-32 lowercase letters, digits, "_" or "-"');

const inlineCommon = { name: name.optional(), failMode: failMode.optional() };
export const inlinePolicy = z.discriminatedUnion('algorithm', [
  z
    .object({
      algorithm: z.literal('sliding-window-log'),
      limit: upTo(INLINE_BOUNDS.slidingLog.maxLimit),
      windowMs: z.number().int().min(1).max(INLINE_BOUNDS.slidingLog.maxWindowMs),
      ...inlineCommon,
    })
    .strict(),
  z
    .object({
      algorithm: z.enum(TIER_ALGORITHMS),
      limit: upTo(INLINE_BOUNDS.maxLimit),
      windowMs: z.number().int().min(1).max(INLINE_BOUNDS.maxWindowMs),
      ...inlineCommon,
    })
    .strict(),
]);

export const checkBody = z
  .object({
    key: z.string().min(1).max(MAX_KEY_LENGTH),
    rule: name.optional(),
    policy: inlinePolicy.optional(),
    tenant: tenantId.optional(),
    cost: z.number().int().min(1).max(MAX_COST).default(1),
  })
  .strict()
  .refine((body) => (body.rule === undefined) !== (body.policy === undefined), {
    message: 'give exactly one of "rule" (a stored rule name) or "policy" (an inline policy)',
    path: ['rule'],
  });

const ruleCommon = {
  windowMs,
  failMode: failMode.optional(),
  shadow: z.boolean().optional(),
  // Postgres text cannot hold U+0000; refused here rather than failing the INSERT (found by the fuzz).
  description: z
    .string()
    .max(500)
    .refine((text) => !text.includes('\u0000'), 'no NUL characters')
    .optional(),
};
const windowRule = z.object({
  algorithm: z.enum(WINDOW_ALGORITHMS),
  limit: upTo(LIMITS.maxLimit),
  ...ruleCommon,
});
const logRule = z.object({
  algorithm: z.literal('sliding-window-log'),
  limit: upTo(LIMITS.maxSlidingLogLimit),
  ...ruleCommon,
});
const bucketRule = z.object({
  algorithm: z.enum(BUCKET_ALGORITHMS),
  limit: upTo(LIMITS.maxLimit),
  burst: upTo(LIMITS.maxLimit).optional(),
  ...ruleCommon,
});

export const ruleInput = z.discriminatedUnion('algorithm', [
  windowRule.strict(),
  logRule.strict(),
  bucketRule.strict(),
]);

export const ruleCreate = z.discriminatedUnion('algorithm', [
  windowRule.extend({ name }).strict(),
  logRule.extend({ name }).strict(),
  bucketRule.extend({ name }).strict(),
]);

export const ruleName = name;

/** A cursor is the base64url of a rule name (1-64 bytes), so at most 86 characters. */
export const listQuery = z.object({
  // Digits only: a lenient coercion would accept " 5", "5.0" or "1e2", which the document refuses.
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'an integer from 1 to 100')
    .transform(Number)
    .pipe(z.number().max(100, 'an integer from 1 to 100'))
    .default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,86}$/, 'an opaque cursor from next_cursor')
    .optional(),
});

export const tierInput = z
  .object({
    algorithm: z.enum(TIER_ALGORITHMS).default('sliding-window-counter'),
    limit: upTo(LIMITS.maxLimit).nullable(),
    windowMs,
  })
  .strict();

export const tenantInput = z.object({ tier: tierName }).strict();
