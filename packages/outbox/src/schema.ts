// The outbox's tables are migrations the package owns (../migrations/*.sql). A service applies them
// with its own through the one migration runner, once per database:
//   createService({ postgres: { libraryMigrations: [outboxMigrations], migrationsDir } })
// Each file is also idempotent (IF NOT EXISTS), so databases that predate the ledger record them
// without error.
import path from 'node:path';
import { type MigrationFolder, runMigrations } from '@lab/migrations';
import type pg from 'pg';

/** The directory holding the outbox's SQL migrations. */
export const outboxMigrationsDir = path.resolve(import.meta.dirname, '../migrations');

/** The outbox's migrations as a folder for a migration runner (recorded under `@lab/outbox`). */
export const outboxMigrations: MigrationFolder = { source: '@lab/outbox', dir: outboxMigrationsDir };

/**
 * Applies the outbox's migrations now, through the same runner and ledger a service's start-up
 * uses: for tests, benchmarks and scripts with a pool of their own. A service passes
 * `outboxMigrations` to createService instead.
 */
export async function applyOutboxSchema(pool: pg.Pool): Promise<void> {
  await runMigrations(pool, outboxMigrations);
}
