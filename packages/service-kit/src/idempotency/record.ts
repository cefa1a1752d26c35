// The statements that finish an Idempotency-Key record, shared by the middleware (response stored
// on its own, after the handler) and the transactional handler (response stored in the handler's
// transaction). Both only touch a record this request still owns: a request whose claim was taken
// over (it outlived its lease) must neither complete nor release the new owner's record.
import type pg from 'pg';
import type { CapturedResponse } from './response-capture.ts';
import { IDEMPOTENCY_TABLE } from './schema.ts';

/** Responses larger than this are not worth storing. */
export const MAX_STORED_BYTES = 1024 * 1024;

/** A key this request claimed: the record is (scope, key), ours while `owner` is in it. */
export type Claim = { scope: string; key: string; owner: string };

/** What the request's handler needs from the middleware that ran before it. */
export type IdempotencyContext = {
  pool: pg.Pool;
  /** Absent when the request carried no Idempotency-Key (it runs unprotected). */
  claim?: Claim;
  replayHeaders: readonly string[];
  /** Set once the response was stored in the handler's transaction: nothing left to store. */
  stored: boolean;
};

const contexts = new WeakMap<object, IdempotencyContext>();

export function setIdempotencyContext(res: object, context: IdempotencyContext): void {
  contexts.set(res, context);
}

export function idempotencyContextOf(res: object): IdempotencyContext | undefined {
  return contexts.get(res);
}

/** Marks the record completed with the response; false if this request no longer owns it. */
export async function completeRecord(
  client: pg.Pool | pg.PoolClient,
  claim: Claim,
  response: CapturedResponse,
  replayHeaders: readonly string[],
): Promise<boolean> {
  const stored = Object.fromEntries(
    replayHeaders.flatMap((name) => {
      const value = response.headers[name];
      return value === undefined ? [] : [[name, String(value)]];
    }),
  );
  const { rowCount } = await client.query(
    `UPDATE ${IDEMPOTENCY_TABLE}
       SET state = 'completed', response_status = $4, response_headers = $5, response_body = $6
     WHERE scope = $1 AND key = $2 AND owner = $3 AND state = 'in_flight'`,
    [claim.scope, claim.key, claim.owner, response.status, JSON.stringify(stored), response.body],
  );
  return rowCount === 1;
}

/**
 * Lets a retry run again. Only an in-flight record is deleted: if the handler's transaction did
 * commit (say the connection dropped while COMMIT's answer was on its way, and the request ended
 * in a 500), the record is completed with the response, and the retry must get that replay.
 */
export async function releaseRecord(pool: pg.Pool, claim: Claim): Promise<void> {
  await pool.query(
    `DELETE FROM ${IDEMPOTENCY_TABLE} WHERE scope = $1 AND key = $2 AND owner = $3 AND state = 'in_flight'`,
    [claim.scope, claim.key, claim.owner],
  );
}
