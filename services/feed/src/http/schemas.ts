// Request shapes and bounds, validated with zod at the edge (a ZodError is service-kit's 400
// VALIDATION_FAILED). Ids follow the shared event contract's `userId` / `opaqueId` fields, so
// anything accepted here can go into an event without failing validation later.
import { authOf, HttpError, z } from '@lab/service-kit';
import type { Response } from 'express';

export const USER_ID = /^[A-Za-z0-9._@:-]{1,128}$/;
export const userIdParam = z.string().regex(USER_ID, 'a user id: 1-128 of A-Z a-z 0-9 . _ @ : -');
export const postIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a post id');

// The body is stored as sent (no trimming, so the bound a client sees in openapi.yaml is the bound
// applied). Blank bodies are refused, and so is NUL, which Postgres text cannot hold (a 400 here
// instead of a failed INSERT).
// (openapi.yaml states the same two rules as one pattern.)
export const postInput = (maxChars: number) =>
  z.strictObject({
    body: z
      .string()
      .min(1)
      .max(maxChars)
      .regex(/\S/, 'must not be blank')
      .refine((text) => !text.includes('\u0000'), 'must not contain NUL characters'),
  });

/** Follow and unfollow take no body; one that is sent must be `{}`. */
export const emptyBody = z.strictObject({}).optional();

export const feedQuery = (pageMax: number) =>
  z.strictObject({
    cursor: z.string().min(1).max(120).optional(),
    limit: z.coerce.number().int().min(1).max(pageMax).default(20),
  });

/** The caller's user id (JWT `sub`); a subject the feed cannot store is refused, not truncated. */
export function callerId(res: Response): string {
  const sub = authOf(res)?.sub;
  if (!sub) throw new HttpError(401, 'UNAUTHENTICATED', 'A bearer token is required.');
  if (!USER_ID.test(sub))
    throw new HttpError(403, 'UNSUPPORTED_SUBJECT', 'The token subject is not a valid feed user id.');
  return sub;
}
