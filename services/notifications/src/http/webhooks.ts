// POST /v1/webhooks/provider-sim: delivery and bounce reports. Verified first (HMAC over
// timestamp and body, timestamp within WEBHOOK_TOLERANCE_SECONDS, else 401), then applied once:
// the webhook id is recorded under a primary key in the same transaction as the status change,
// so a provider's retry changes nothing. A hard bounce suppresses the address. 200 fast, always,
// for a verified report (even one about an unknown message), so the provider stops retrying.
//
// The status change runs in service-kit's `idempotentWrite` transaction (the provider sends no
// Idempotency-Key; the webhook id is the key). The signature is checked before, so an unsigned
// caller never reaches the idempotency store.
//
// service-kit parses JSON before handlers run, so the provider signs the canonical JSON of the
// body and this side verifies the canonical JSON of what was parsed (domain/webhook-signature.ts).
import { canonicalJson, HttpError, idempotentWrite, z } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { applyDeliveryReport } from '../adapters/messages-repository.ts';
import { verifySignature } from '../domain/webhook-signature.ts';

const report = z.object({
  id: z.uuid(),
  type: z.enum(['delivered', 'bounced']),
  bounceType: z.enum(['hard', 'soft']).optional(),
  messageId: z.string().min(1).max(255),
  provider: z.string().min(1).max(64),
  channel: z.enum(['email', 'sms', 'push']),
  occurredAt: z.iso.datetime({ offset: true }),
});

const UUID = z.uuid();

export type WebhookOptions = { secret: string; toleranceSeconds: number; now: () => Date };

/** 401 unless the report carries a valid, fresh signature of its canonical JSON. */
export function verifyWebhook(options: WebhookOptions): RequestHandler {
  return (req, _res, next) => {
    const verdict = verifySignature(
      req.header('x-signature'),
      canonicalJson(req.body),
      options.secret,
      Math.floor(options.now().getTime() / 1000),
      options.toleranceSeconds,
    );
    if (!verdict.ok)
      throw new HttpError(
        401,
        'WEBHOOK_SIGNATURE_INVALID',
        `The webhook signature is ${verdict.reason.replace('_', ' ')}.`,
      );
    next();
  };
}

/** Applies a verified report once: the webhook id's row and the status change commit together. */
export function receiveWebhook(): RequestHandler {
  return idempotentWrite(async (req, res, tx) => {
    const event = report.parse(req.body);
    res.json({ id: event.id, result: await applyOnce(tx, event) });
  });
}

async function applyOnce(tx: pg.PoolClient, event: z.infer<typeof report>): Promise<string> {
  const { rowCount } = await tx.query('INSERT INTO webhook_events (id) VALUES ($1) ON CONFLICT DO NOTHING', [
    event.id,
  ]);
  if (rowCount === 0) return 'duplicate';
  if (!UUID.safeParse(event.messageId).success) return 'unknown';
  const moved = await applyDeliveryReport(tx, {
    messageId: event.messageId,
    type: event.type,
    hard: event.bounceType === 'hard',
    provider: event.provider,
  });
  return moved ? 'applied' : 'ignored';
}
