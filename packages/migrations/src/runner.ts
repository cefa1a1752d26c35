// Forward-only SQL migrations, applied at start-up: the one way schema is created in the lab, for a
// service's own tables and for the tables a library owns (the idempotency records, the outbox).
// A folder is a *source*: the service's folder is `service`, a library's is named after it
// (`@lab/outbox`), so versions only have to be unique within their folder. Folders are applied in
// the order given, files in numeric order, each in its own transaction together with its row in
// `schema_migrations (source, version)`, so a failed file leaves no half-applied state. A session-level advisory lock serialises concurrent starts
// (several replicas booting at once): the first applies, the others wait and then find nothing
// to do. Each applied file's SHA-256 is recorded; editing an applied file fails start-up loudly,
// because the database would silently differ from what the repository says.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { MigrationError } from './errors.ts';

/** The part of a logger the runner uses (pino's signature), so this package needs no logger. */
export type MigrationLogger = { info(fields: object, message: string): void };

/** A folder of `NNN_name.sql` files and the name its versions are recorded under. */
export type MigrationFolder = { source: string; dir: string | URL };

/** The source a bare folder (a path or URL, not a MigrationFolder) is recorded under. */
export const SERVICE_SOURCE = 'service';

export type Migration = {
  source: string;
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
};
/** `applied` names files as `file` for the service's folder and `source/file` for a library's. */
export type MigrationResult = { applied: string[]; alreadyApplied: number };

const FILE_PATTERN = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;
// Any fixed 64-bit number works; all services share one Postgres server but each has its own
// database, and advisory locks are per database, so services never block one another.
const LOCK_KEY = '7263951104';

/** Reads and orders the migration files of one folder (a path or file: URL is the service's). */
export async function loadMigrations(folder: string | URL | MigrationFolder): Promise<Migration[]> {
  const { source, dir } = asFolder(folder);
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const migrations: Migration[] = [];
  for (const file of await readdir(path)) {
    const match = FILE_PATTERN.exec(file);
    if (!match) continue;
    const sql = await readFile(`${path.replace(/\/$/, '')}/${file}`, 'utf8');
    migrations.push({
      source,
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

/** Applies what is pending of each folder, folders in the order given, once per database. */
export async function runMigrations(
  pool: pg.Pool,
  folders: string | URL | MigrationFolder | ReadonlyArray<string | URL | MigrationFolder>,
  { logger }: { logger?: MigrationLogger } = {},
): Promise<MigrationResult> {
  const list = Array.isArray(folders) ? folders : [folders as string | URL | MigrationFolder];
  const migrations: Migration[] = [];
  for (const folder of list) migrations.push(...(await loadMigrations(folder)));
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
  logger: MigrationLogger | undefined,
): Promise<MigrationResult> {
  await ensureLedger(client);
  const { rows } = await client.query<{ source: string; version: number; checksum: string }>(
    'SELECT source, version, checksum FROM schema_migrations',
  );
  const applied = new Map(rows.map((row) => [`${row.source}:${row.version}`, row.checksum]));
  const result: MigrationResult = { applied: [], alreadyApplied: 0 };

  for (const migration of migrations) {
    const checksum = applied.get(`${migration.source}:${migration.version}`);
    if (checksum !== undefined) {
      if (checksum !== migration.checksum) {
        throw new MigrationError(
          'MIGRATION_CHECKSUM_MISMATCH',
          `migration ${label(migration)} was changed after it was applied; add a new migration instead`,
        );
      }
      result.alreadyApplied += 1;
      continue;
    }
    try {
      await client.query('BEGIN');
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO schema_migrations (source, version, name, checksum) VALUES ($1, $2, $3, $4)',
        [migration.source, migration.version, migration.name, migration.checksum],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw new MigrationError(
        'MIGRATION_FAILED',
        `migration ${label(migration)} failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
    result.applied.push(label(migration));
    logger?.info({ migration: label(migration) }, 'migration applied');
  }
  return result;
}
/**
 * Creates the ledger, or upgrades one written before sources existed (primary key `version`
 * alone): its rows were all the service's own, so they take the `service` source.
 */
async function ensureLedger(client: pg.PoolClient): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    source     text    NOT NULL DEFAULT '${SERVICE_SOURCE}',
    version    integer NOT NULL,
    name       text    NOT NULL,
    checksum   text    NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, version)
  )`);
  await client.query(
    `ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT '${SERVICE_SOURCE}'`,
  );
  const { rows } = await client.query<{ columns: number }>(
    `SELECT array_length(i.indkey, 1) AS columns FROM pg_index i
      WHERE i.indrelid = 'schema_migrations'::regclass AND i.indisprimary`,
  );
  if (rows[0]?.columns === 1)
    await client.query(
      'ALTER TABLE schema_migrations DROP CONSTRAINT schema_migrations_pkey, ADD PRIMARY KEY (source, version)',
    );
}

function asFolder(folder: string | URL | MigrationFolder): MigrationFolder {
  return typeof folder === 'string' || folder instanceof URL
    ? { source: SERVICE_SOURCE, dir: folder }
    : folder;
}

function label(migration: Migration): string {
  return migration.source === SERVICE_SOURCE ? migration.file : `${migration.source}/${migration.file}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
