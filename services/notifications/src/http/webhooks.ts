// POST /v1/webhooks/provider-sim: delivery and bounce reports. Verified first (HMAC over
// timestamp and body, timestamp within WEBHOOK_TOLERANCE_SECONDS, else 401), then applied once:
// the webhook id is recorded under a primary key in the same transaction as the status change,
// so a provider's retry changes nothing. A hard bounce suppresses the address. 200 fast, always,
// for a verified report (even one about an unknown message), so the provider stops retrying.
//
// service-kit parses JSON before handlers run, so the provider signs the canonical JSON of the
// body and this side verifies the canonical JSON of what was parsed (domain/webhook-signature.ts).
import { canonicalJson, HttpError, z } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { applyDeliveryReport } from '../adapters/messages-repository.ts';
import { inTransaction } from '../adapters/transaction.ts';
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

export function receiveWebhook(
  pool: pg.Pool,
  options: { secret: string; toleranceSeconds: number; now: () => Date },
): RequestHandler {
  return async (req, res) => {
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
    const event = report.parse(req.body);
    const applied = await inTransaction(pool, async (tx) => {
      const { rowCount } = await tx.query(
        'INSERT INTO webhook_events (id) VALUES ($1) ON CONFLICT DO NOTHING',
        [event.id],
      );
      if (rowCount === 0) return 'duplicate';
      if (!UUID.safeParse(event.messageId).success) return 'unknown';
      const moved = await applyDeliveryReport(tx, {
        messageId: event.messageId,
        type: event.type,
        hard: event.bounceType === 'hard',
        provider: event.provider,
      });
      return moved ? 'applied' : 'ignored';
    });
    res.json({ id: event.id, result: applied });
  };
}
