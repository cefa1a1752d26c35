// Request bodies, path parameters and query strings, validated with zod at the edge; the bounds
// are the API's promises, mirrored in openapi.yaml.
import { z } from '@lab/service-kit';
import { CHANNELS, PROVIDERS } from '../domain/providers.ts';

export const smsBody = z
  .object({
    to: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'an E.164 phone number such as +14155550100'),
    body: z.string().min(1).max(1600),
  })
  .strict();

export const pushBody = z
  .object({
    token: z.string().min(1).max(256),
    title: z.string().max(200).default(''),
    body: z.string().min(1).max(2000),
  })
  .strict();

/** Printable ASCII, as in service-kit's Idempotency-Key rule. */
export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,255}$/, '1-255 printable ASCII characters');

export const behaviourChange = z
  .object({
    latencyMs: z.number().int().min(0).max(60_000),
    errorRate: z.number().min(0).max(1),
    timeoutRate: z.number().min(0).max(1),
    timeoutMs: z.number().int().min(1).max(120_000),
    outage: z.boolean(),
    ackDelayMs: z.number().int().min(0).max(120_000),
  })
  .partial()
  .strict();

export const providerName = z.enum(PROVIDERS);

export const messagesQuery = z
  .object({
    provider: z.enum(PROVIDERS).optional(),
    channel: z.enum(CHANNELS).optional(),
    messageId: z.string().min(1).max(255).optional(),
    // Digits only: z.coerce.number() reads an empty `cursor=` as 0 and would accept it.
    cursor: z
      .string()
      .regex(/^[0-9]{1,16}$/)
      .transform(Number)
      .pipe(z.number().max(Number.MAX_SAFE_INTEGER))
      .optional(),
    limit: z.coerce.number().int().min(1).max(1_000).default(100),
  })
  .strict();

/** POST /v1/reset takes an empty JSON object: a command with a body, so every client sends one. */
export const resetBody = z.object({}).strict();
