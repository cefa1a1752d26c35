// The table behind the Idempotency-Key middleware is a migration the kit owns
// (../../migrations/001_idempotency_keys.sql). createService applies that folder through the one
// migration runner, before the service's own folder, once per database.
import { type MigrationFolder, runMigrations } from '@lab/migrations';
import type pg from 'pg';

export const IDEMPOTENCY_TABLE = 'idempotency_keys';

/** The kit's migrations, for a migration runner (createService passes it first). */
export const idempotencyMigrations: MigrationFolder = {
  source: '@lab/service-kit',
  dir: new URL('../../migrations/', import.meta.url),
};

/**
 * @deprecated createService applies `idempotencyMigrations` itself; a script with its own pool passes
 * that folder to runMigrations. Kept so existing callers still work: it runs the same migration,
 * recorded once in `schema_migrations`.
 */
export async function ensureIdempotencySchema(pool: pg.Pool): Promise<void> {
  await runMigrations(pool, idempotencyMigrations);
}

/** Deletes records past their expiry; returns how many. Run periodically (createService does). */
export async function purgeExpiredIdempotencyKeys(pool: pg.Pool): Promise<number> {
  const { rowCount } = await pool.query(`DELETE FROM ${IDEMPOTENCY_TABLE} WHERE expires_at < now()`);
  return rowCount ?? 0;
}
