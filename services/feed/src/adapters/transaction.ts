// Runs a unit of work in one Postgres transaction. Writes are expressed as `(tx) => result`
// functions so that the same function can be handed a transaction someone else opened: a create
// runs inside service-kit's `idempotentWrite`, whose transaction also stores the Idempotency-Key
// response (Stripe's atomic phases); deletes and follows, idempotent by nature, use this one.
import type pg from 'pg';

export type TxWork<T> = (tx: pg.PoolClient) => Promise<T>;

export async function inTransaction<T>(pool: pg.Pool, work: TxWork<T>): Promise<T> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (error) {
    await tx.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    tx.release();
  }
}
