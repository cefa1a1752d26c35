// Request bodies and queries, validated at the edge with zod. Strict objects: an unknown field is
// a 400, so a typo ("expires_at") is reported instead of silently ignored.
import { z } from '@lab/service-kit';

export const createLinkBody = z.strictObject({
  // Bounded well above MAX_URL_LENGTH so an over-long URL gets the specific URL_TOO_LONG error
  // from the domain check; the body limit (BODY_LIMIT) bounds it in bytes anyway.
  url: z.string().min(1).max(65_536),
  alias: z.string().max(64).optional(),
  expiresAt: z.string().max(64).optional(),
  redirect: z.union([z.literal(301), z.literal(302)]).optional(),
});

export type CreateLinkBody = z.infer<typeof createLinkBody>;

export const listQuery = z.strictObject({
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const codeParam = z.string().regex(/^[A-Za-z0-9_-]{3,32}$/);
