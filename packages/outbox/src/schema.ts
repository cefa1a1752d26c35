// Applies the package's own migrations (../migrations/*.sql, in file-name order). Every file is
// idempotent, so tests and services can call applyOutboxSchema() on each start, and a service's
// migration runner can apply the same directory instead.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';

/** The directory holding the outbox's SQL migrations, for a service's migration runner. */
export const outboxMigrationsDir = path.resolve(import.meta.dirname, '../migrations');

// Any constant works; it only has to be the same in every process. CREATE ... IF NOT EXISTS is not
// safe against a concurrent twin (both see "absent", one fails on the catalog's unique index), so
// concurrent appliers queue on this transaction-scoped advisory lock.
const SCHEMA_LOCK_KEY = 7_300_500_100;

export async function applyOutboxSchema(pool: pg.Pool): Promise<void> {
  const files = (await readdir(outboxMigrationsDir)).filter((file) => file.endsWith('.sql')).sort();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
    for (const file of files)
      await client.query(await readFile(path.join(outboxMigrationsDir, file), 'utf8'));
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
