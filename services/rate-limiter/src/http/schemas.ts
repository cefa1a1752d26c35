// Request bodies and query strings, validated with zod at the edge (a ZodError becomes a 400
// problem with field errors). The bounds are the API's promises, mirrored in openapi.yaml.
import { ALGORITHMS, LIMITS } from '@lab/ratelimit';
import { z } from '@lab/service-kit';

const name = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, '1-64 letters, digits, "_", "." or "-"');
const algorithm = z.enum(ALGORITHMS);
const limit = z.number().int().min(1).max(LIMITS.maxLimit);
const windowMs = z.number().int().min(LIMITS.minWindowMs).max(LIMITS.maxWindowMs);
const failMode = z.enum(['open', 'closed']);

/** The largest cost one check may carry: a request is one unit; a batch or a token count, more. */
export const MAX_COST = 1_000_000;
/** Keys are identifiers (a user, an IP, an API key hash), not payloads. */
export const MAX_KEY_LENGTH = 256;

export const tenantId = name;
export const tierName = z.string().regex(/^[a-z0-9_-]{1,32}$/, '1-32 lowercase letters, digits, "_" or "-"');

export const inlinePolicy = z
  .object({
    name: name.optional(),
    algorithm,
    limit,
    windowMs,
    burst: limit.optional(),
    failMode: failMode.optional(),
  })
  .strict();

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

export const ruleInput = z
  .object({
    algorithm,
    limit,
    windowMs,
    burst: limit.optional(),
    failMode: failMode.optional(),
    shadow: z.boolean().optional(),
    description: z.string().max(500).optional(),
  })
  .strict();

export const ruleCreate = ruleInput.extend({ name }).strict();

export const ruleName = name;

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

export const tierInput = z
  .object({ algorithm: algorithm.default('sliding-window-counter'), limit: limit.nullable(), windowMs })
  .strict();

export const tenantInput = z.object({ tier: tierName }).strict();
