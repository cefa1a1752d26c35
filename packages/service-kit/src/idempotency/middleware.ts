// Idempotency-Key for creating POSTs (the Stripe model): the first request with a key runs and
// its response is stored; a repeat gets that stored response verbatim (plus `Idempotent-Replayed:
// true`); the same key with a different request is 422; a repeat while the first still runs is 409.
//
// Claiming a key is ONE statement, INSERT ... ON CONFLICT DO UPDATE ... WHERE, so concurrent
// duplicates race inside Postgres and exactly one wins. The UPDATE branch lets a request take
// over a record that is expired (past 24 h) or abandoned (in flight past its lease, e.g. the
// process crashed mid-request); otherwise the loser reads the row and answers 409/422/replay.
//
// Where the response is stored decides what a crash can do (Stripe's "atomic phases"):
// - A handler wrapped in idempotentWrite (transaction.ts) gets a transaction; its writes and the
//   stored response commit together, so a crash after that commit leaves a completed record (the
//   retry gets the replay) and a crash before it leaves nothing (the retry runs, once).
// - Any other handler's response is stored here, in its own statement, BEFORE it is sent (res.end
//   is deferred until the row is written), so a client that retries right after receiving the
//   response gets the replay. A crash between the handler's own commit and that statement lets a
//   retry run the handler again once the lease has passed: fine for handlers without database
//   effects, wrong for creating POSTs -- they use idempotentWrite.
// 5xx responses release the record (only while it is still in flight): the failure may be
// transient, and the retry should run. Under idempotentWrite a 5xx has rolled the effects back.
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import type { AuthClaims } from '../auth/jwt.ts';
import { IDEMPOTENCY_DEFAULTS } from '../defaults.ts';
import { HttpError } from '../http/problem.ts';
import {
  type Claim,
  completeRecord,
  type IdempotencyContext,
  idempotencyContextOf,
  MAX_STORED_BYTES,
  releaseRecord,
  setIdempotencyContext,
} from './record.ts';
import { requestHash } from './request-hash.ts';
import { captureResponse } from './response-capture.ts';
import { IDEMPOTENCY_TABLE } from './schema.ts';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/; // printable ASCII, as Stripe allows; bounded length

export type IdempotencyOptions = {
  pool: pg.Pool;
  /** How long a completed response is replayed (ms). @default 86_400_000 (24 h) — Stripe's window */
  ttlMs?: number;
  /**
   * How long an in-flight claim holds before a retry may take it over (ms). Must exceed the slowest
   * handler. @default 60_000 — a crashed request's key is free again after a minute
   */
  inFlightLeaseMs?: number;
  /** Reject requests without the header (400) instead of running them unprotected. @default false */
  required?: boolean;
  /** Key namespace per caller. @default `tenant:sub` from requireAuth, else `anonymous` */
  scope?: (req: Request, res: Response) => string;
  /** Response headers stored and replayed besides the body. @default ['content-type', 'location'] */
  replayHeaders?: string[];
};

type StoredRow = {
  request_hash: string;
  state: 'in_flight' | 'completed';
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: Buffer | null;
};

export function idempotency(options: IdempotencyOptions): RequestHandler {
  const {
    pool,
    ttlMs = IDEMPOTENCY_DEFAULTS.ttlMs,
    inFlightLeaseMs = IDEMPOTENCY_DEFAULTS.inFlightLeaseMs,
    required = IDEMPOTENCY_DEFAULTS.required,
  } = options;
  // A zero, negative or NaN window would silently turn the protection off (every record already
  // expired), so a wrong option fails at start-up instead.
  for (const [name, value] of [
    ['ttlMs', ttlMs],
    ['inFlightLeaseMs', inFlightLeaseMs],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`idempotency: ${name} must be a positive number of milliseconds, got ${value}`);
  }
  const scopeOf = options.scope ?? defaultScope;
  const replayHeaders = (options.replayHeaders ?? IDEMPOTENCY_DEFAULTS.replayHeaders).map((h) =>
    h.toLowerCase(),
  );

  return async (req, res, next) => {
    const key = req.headers[IDEMPOTENCY_KEY_HEADER];
    const context: IdempotencyContext = { pool, replayHeaders, stored: false };
    if (key === undefined) {
      if (required)
        throw new HttpError(
          400,
          'IDEMPOTENCY_KEY_REQUIRED',
          'This endpoint requires an Idempotency-Key header.',
        );
      setIdempotencyContext(res, context); // idempotentWrite still runs its transaction
      next();
      return;
    }
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new HttpError(
        400,
        'IDEMPOTENCY_KEY_INVALID',
        'Idempotency-Key must be 1-255 printable ASCII characters.',
      );
    }
    const scope = scopeOf(req, res);
    const hash = requestHash(req.method, req.originalUrl, req.body);
    const owner = randomUUID();

    const claimed = await pool.query(
      `INSERT INTO ${IDEMPOTENCY_TABLE} AS r (scope, key, request_hash, state, owner, locked_until, expires_at)
       VALUES ($1, $2, $3, 'in_flight', $4, now() + make_interval(secs => $5 / 1000.0), now() + make_interval(secs => $6 / 1000.0))
       ON CONFLICT (scope, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, state = 'in_flight', owner = EXCLUDED.owner,
             locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at,
             response_status = NULL, response_headers = NULL, response_body = NULL, created_at = now()
         WHERE r.expires_at < now()
            OR (r.state = 'in_flight' AND r.locked_until < now() AND r.request_hash = EXCLUDED.request_hash)
       RETURNING 1`,
      [scope, key, hash, owner, inFlightLeaseMs, ttlMs],
    );

    if (claimed.rowCount === 1) {
      const claim: Claim = { scope, key, owner };
      setIdempotencyContext(res, { ...context, claim });
      captureResponse(res, async (response) => {
        if (idempotencyContextOf(res)?.stored) return; // stored in the handler's transaction
        if (response.status >= 500 || response.body.length > MAX_STORED_BYTES) {
          await releaseRecord(pool, claim);
          return;
        }
        await completeRecord(pool, claim, response, replayHeaders);
      });
      next();
      return;
    }

    const { rows } = await pool.query<StoredRow>(
      `SELECT request_hash, state, response_status, response_headers, response_body
         FROM ${IDEMPOTENCY_TABLE} WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    const row = rows[0];
    // Still running, or the row vanished between the two statements (its request failed with a
    // 5xx and released it): either way 409 with Retry-After, and the client's retry settles it.
    if (!row || row.state === 'in_flight') {
      if (row && row.request_hash !== hash) throw reused();
      res.setHeader('Retry-After', '1');
      throw new HttpError(
        409,
        'IDEMPOTENCY_KEY_IN_FLIGHT',
        'A request with this Idempotency-Key is still being processed.',
      );
    }
    if (row.request_hash !== hash) throw reused();
    for (const [name, value] of Object.entries(row.response_headers ?? {})) res.setHeader(name, value);
    res.setHeader(REPLAYED_HEADER, 'true');
    res.status(row.response_status ?? 200).end(row.response_body ?? Buffer.alloc(0));
  };
}

function reused(): HttpError {
  return new HttpError(
    422,
    'IDEMPOTENCY_KEY_REUSED',
    'This Idempotency-Key was already used with a different request.',
  );
}

function defaultScope(_req: Request, res: Response): string {
  const auth = res.locals.auth as AuthClaims | undefined;
  return auth ? `${auth.tenant}:${auth.sub}` : 'anonymous';
}
