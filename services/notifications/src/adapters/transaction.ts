// One Postgres transaction around a function of the transaction's client. Creating POSTs write
// through such a function, `(tx) => Promise<result>`, so that service-kit's idempotency can later
// hand them its own transaction and store the response in the same commit (Stripe's atomic
// phases); until then the function runs in its own transaction here.
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
