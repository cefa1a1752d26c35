// The table behind the Idempotency-Key middleware. Created by the kit itself (not by each
// service's migrations) so every service gets the same shape. A transaction-level advisory lock
// makes concurrent first starts safe: CREATE TABLE IF NOT EXISTS alone can still race on the
// catalog and fail one of two simultaneous callers.
import type pg from 'pg';

export const IDEMPOTENCY_TABLE = 'idempotency_keys';

export async function ensureIdempotencySchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('lab.idempotency_keys'))");
    await client.query(`CREATE TABLE IF NOT EXISTS ${IDEMPOTENCY_TABLE} (
      scope            text        NOT NULL,
      key              text        NOT NULL,
      request_hash     text        NOT NULL,
      state            text        NOT NULL CHECK (state IN ('in_flight', 'completed')),
      owner            uuid        NOT NULL,
      locked_until     timestamptz NOT NULL,
      expires_at       timestamptz NOT NULL,
      response_status  integer,
      response_headers jsonb,
      response_body    bytea,
      created_at       timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, key)
    )`);
    await client.query(
      `CREATE INDEX IF NOT EXISTS ${IDEMPOTENCY_TABLE}_expires_at_idx ON ${IDEMPOTENCY_TABLE} (expires_at)`,
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Deletes records past their expiry; returns how many. Run periodically (createService does). */
export async function purgeExpiredIdempotencyKeys(pool: pg.Pool): Promise<number> {
  const { rowCount } = await pool.query(`DELETE FROM ${IDEMPOTENCY_TABLE} WHERE expires_at < now()`);
  return rowCount ?? 0;
}
