// Forward-only SQL migrations, applied at start-up. Files are `NNN_name.sql`, applied in numeric
// order, each in its own transaction together with its row in `schema_migrations`, so a failed
// file leaves no half-applied state. A session-level advisory lock serialises concurrent starts
// (several replicas booting at once): the first applies, the others wait and then find nothing
// to do. Each applied file's SHA-256 is recorded; editing an applied file fails start-up loudly,
// because the database would silently differ from what the repository says.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../logger.ts';

export class MigrationError extends Error {
  readonly code: 'MIGRATION_CHECKSUM_MISMATCH' | 'MIGRATION_DUPLICATE_VERSION' | 'MIGRATION_FAILED';
  constructor(code: MigrationError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
    this.code = code;
  }
}

export type Migration = { version: number; name: string; file: string; sql: string; checksum: string };
export type MigrationResult = { applied: string[]; alreadyApplied: number };

const FILE_PATTERN = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;
// Any fixed 64-bit number works; all services share one Postgres server but each has its own
// database, and advisory locks are per database, so services never block one another.
const LOCK_KEY = '7263951104';

/** Reads and orders the migration files of `dir` (a path or a file: URL). */
export async function loadMigrations(dir: string | URL): Promise<Migration[]> {
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const migrations: Migration[] = [];
  for (const file of await readdir(path)) {
    const match = FILE_PATTERN.exec(file);
    if (!match) continue;
    const sql = await readFile(`${path.replace(/\/$/, '')}/${file}`, 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2] ?? file,
      file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i += 1) {
    const [previous, current] = [migrations[i - 1], migrations[i]];
    if (previous && current && previous.version === current.version) {
      throw new MigrationError(
        'MIGRATION_DUPLICATE_VERSION',
        `migrations ${previous.file} and ${current.file} share version ${current.version}`,
      );
    }
  }
  return migrations;
}

export async function runMigrations(
  pool: pg.Pool,
  dir: string | URL,
  { logger }: { logger?: Logger } = {},
): Promise<MigrationResult> {
  const migrations = await loadMigrations(dir);
  const client = await pool.connect();
  try {
    // The service's pool carries a short statement_timeout (10 s) for request traffic. Waiting for
    // the lock while another replica migrates, and building an index, both take longer than that,
    // so this one session lifts it; RESET puts the pool's value back before the client returns.
    // The trade-off: a migration that hangs holds start-up until the orchestrator gives up on it.
    await client.query('SET statement_timeout = 0');
    // Session lock, not a transaction lock: it must span several transactions (one per file).
    await client.query('SELECT pg_advisory_lock($1::bigint)', [LOCK_KEY]);
    try {
      return await applyPending(client, migrations, logger);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [LOCK_KEY]);
      await client.query('RESET statement_timeout');
    }
  } finally {
    client.release();
  }
}

async function applyPending(
  client: pg.PoolClient,
  migrations: Migration[],
  logger: Logger | undefined,
): Promise<MigrationResult> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const { rows } = await client.query<{ version: number; checksum: string }>(
    'SELECT version, checksum FROM schema_migrations',
  );
  const applied = new Map(rows.map((row) => [row.version, row.checksum]));
  const result: MigrationResult = { applied: [], alreadyApplied: 0 };

  for (const migration of migrations) {
    const checksum = applied.get(migration.version);
    if (checksum !== undefined) {
      if (checksum !== migration.checksum) {
        throw new MigrationError(
          'MIGRATION_CHECKSUM_MISMATCH',
          `migration ${migration.file} was changed after it was applied; add a new migration instead`,
        );
      }
      result.alreadyApplied += 1;
      continue;
    }
    try {
      await client.query('BEGIN');
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw new MigrationError(
        'MIGRATION_FAILED',
        `migration ${migration.file} failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
    result.applied.push(migration.file);
    logger?.info({ migration: migration.file }, 'migration applied');
  }
  return result;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
