// Idempotency-Key with "atomic phases" (Stripe): the handler's database writes and the stored
// response commit in ONE transaction. Use it for every creating POST:
//
//   router.post('/links', deps.auth, deps.idempotency(), idempotentWrite(async (req, res, tx) => {
//     const { rows } = await tx.query('INSERT INTO links ... RETURNING *', [...]);
//     await enqueue(tx, { topic: 'url.created', ... });        // @lab/outbox: the event commits too
//     res.status(201).location(`/v1/links/${rows[0].code}`).json(rows[0]);
//   }));
//
// What it rules out: the middleware alone stores the response in a statement of its own, after
// the handler committed. A crash between the two left the record in flight; once its lease passed
// a retry ran the handler again -- a second link, a second event. Here there is no "between":
//   crash before COMMIT  -> Postgres rolls everything back, the claim stays in flight, the retry
//                           takes it over after the lease and runs the handler (its first success);
//   crash after COMMIT   -> the record is completed with the response; the retry gets the replay.
// The response is held back (nothing reaches the client) until the commit succeeded. A 5xx, a
// thrown error or a handler that swallowed a failed statement roll the transaction back, and the
// middleware releases the key: the retry runs on a clean slate. A request whose claim was taken
// over by a retry (it outlived `inFlightLeaseMs`) cannot complete the record, so its writes roll
// back too and it answers 409: exactly one of the two commits.
//
// Without an Idempotency-Key the handler still runs in a transaction, just without a record.
// Side effects outside `tx` (an HTTP call, an e-mail) are not covered: put them behind the outbox.
import type { Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import { HttpError } from '../http/problem.ts';
import { completeRecord, type IdempotencyContext, idempotencyContextOf, MAX_STORED_BYTES } from './record.ts';
import { type CapturedResponse, holdResponse } from './response-capture.ts';

/** A handler that writes with `tx` and answers with `res`, inside that transaction. */
export type TransactionalHandler = (req: Request, res: Response, tx: pg.PoolClient) => Promise<void> | void;

export type IdempotentWriteOptions = {
  /** Fault-injection point for tests: runs after COMMIT, before the response is sent. */
  afterCommit?: () => void | Promise<void>;
};

export function idempotentWrite(
  handler: TransactionalHandler,
  options: IdempotentWriteOptions = {},
): RequestHandler {
  return async (req, res) => {
    const context = idempotencyContextOf(res);
    if (!context) {
      throw new Error('idempotentWrite needs the idempotency middleware before it: deps.idempotency()');
    }
    const tx = await context.pool.connect();
    const held = holdResponse(res);
    let broken: Error | undefined;
    try {
      await tx.query('BEGIN');
      await handler(req, res, tx);
      const response = held.response();
      if (!response) throw new Error('the handler finished without sending a response');
      if (response.status >= 500) {
        await tx.query('ROLLBACK'); // a failure answer keeps no effects; the middleware releases the key
        held.send();
        return;
      }
      await commitWithResponse(tx, context, response);
      await options.afterCommit?.();
      held.send();
    } catch (error) {
      held.discard();
      await tx.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      tx.release(broken);
    }
  };
}

async function commitWithResponse(
  tx: pg.PoolClient,
  context: IdempotencyContext,
  response: CapturedResponse,
): Promise<void> {
  if (context.claim) {
    if (response.body.length > MAX_STORED_BYTES) {
      throw new Error(
        `a response of ${response.body.length} bytes is too large to store for Idempotency-Key`,
      );
    }
    if (!(await completeRecord(tx, context.claim, response, context.replayHeaders))) {
      throw new HttpError(
        409,
        'IDEMPOTENCY_KEY_IN_FLIGHT',
        'A retry of this request took its Idempotency-Key over; this attempt was rolled back.',
      );
    }
  }
  // A handler that caught a failed statement leaves the transaction aborted, and Postgres answers
  // COMMIT with ROLLBACK: answering 2xx then would describe writes that do not exist.
  const committed = await tx.query('COMMIT');
  if (committed.command !== 'COMMIT')
    throw new Error('the handler left its transaction aborted; nothing was committed');
  context.stored = context.claim !== undefined;
}
