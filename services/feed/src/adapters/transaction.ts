// Runs a unit of work in one Postgres transaction. Writes are expressed as `(tx) => result`
// functions so that the same function can be handed a transaction someone else opened: the
// Idempotency-Key middleware is moving to storing its response in the handler's transaction
// (Stripe's atomic phases), and then it will call these functions with its own `tx`.
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
