// POST /v1/notifications: a send request over HTTP (`notifications:send` scope; a segment send
// also needs `admin`, since it reaches users the caller did not name). Its database work is one
// function of a transaction (`sendInTransaction`), so service-kit's idempotency can later commit
// it together with the stored response. 202: accepted for delivery, not yet delivered.
// GET /v1/notifications/{eventId}: where the request's messages are, counted by status.
import { traceHeaders } from '@lab/outbox';
import { HttpError, z } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { acceptRequest, type IntakeOptions } from '../adapters/intake.ts';
import { countsByStatus } from '../adapters/messages-repository.ts';
import { getSegment } from '../adapters/segments-repository.ts';
import { inTransaction, type TxWork } from '../adapters/transaction.ts';
import { TemplateError } from '../domain/templates.ts';
import { callerOf } from './access.ts';
import { notificationBody } from './schemas.ts';

type SendBody = z.infer<typeof notificationBody>;
export type SendResponse = { status: number; body: Record<string, unknown> };

/** The whole database side of a send, in the transaction it is given. */
export function sendInTransaction(
  body: SendBody,
  traceparent: string | undefined,
  intake: IntakeOptions,
): TxWork<SendResponse> {
  return async (tx) => {
    if (body.segment && !(await getSegment(tx, body.segment))) {
      throw new HttpError(404, 'SEGMENT_NOT_FOUND', `There is no segment "${body.segment}".`);
    }
    const { userIds, segment, ...rest } = body;
    const audience = segment ? { segment } : { userIds: [...new Set(userIds)] };
    const counts = await acceptRequest(
      tx,
      { ...rest, traceHeaders: { ...(traceparent ? { traceparent } : {}), ...traceHeaders() } },
      audience,
      intake,
    );
    return { status: 202, body: { eventId: body.eventId, ...counts } };
  };
}

export function sendNotification(pool: pg.Pool, intake: IntakeOptions): RequestHandler {
  return async (req, res) => {
    const body = notificationBody.parse(req.body);
    if (body.segment && !callerOf(req, res).scopes.has('admin')) {
      throw new HttpError(403, 'FORBIDDEN', 'A segment send needs the admin scope.');
    }
    try {
      const result = await inTransaction(pool, sendInTransaction(body, req.header('traceparent'), intake));
      res.status(result.status).json(result.body);
    } catch (error) {
      if (error instanceof TemplateError) throw new HttpError(400, error.code, error.message);
      throw error;
    }
  };
}

export function readNotification(pool: pg.Pool): RequestHandler {
  return async (req, res) => {
    const eventId = z.uuid().parse(req.params.eventId);
    const counts = await countsByStatus(pool, eventId);
    if (!counts) throw new HttpError(404, 'NOTIFICATION_NOT_FOUND', `No request with event id ${eventId}.`);
    res.json({ eventId, counts });
  };
}
