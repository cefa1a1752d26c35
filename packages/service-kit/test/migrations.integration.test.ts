// The SQL migration runner against a real Postgres: concurrent starts apply each file once,
// a failing file rolls back entirely, an edited applied file stops start-up.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@lab/testkit';
import pg from 'pg';
import {
  baseConfigSchema,
  createService,
  isMigrationError,
  loadConfig,
  loadMigrations,
  runMigrations,
  type ServiceDeps,
} from '../src/index.ts';
import { silentLogger, TEST_JWT_SECRET } from './fixtures/harness.ts';

const FIXTURES = new URL('./fixtures/migrations/', import.meta.url);

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sk-migrations-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

async function withDatabase(label: string, work: (db: TestDatabase) => Promise<void>): Promise<void> {
  const db = await createTestDatabase(label);
  try {
    await work(db);
  } finally {
    await db.drop();
  }
}

describe('runMigrations', () => {
  it('orders files by number and skips names that are not NNN_name.sql', async () => {
    const dir = join(scratch, 'ordering');
    await cp(FIXTURES, dir, { recursive: true });
    await writeFile(join(dir, 'README.md'), 'not a migration');
    await writeFile(join(dir, '10_later.sql'), 'SELECT 1');
    const files = (await loadMigrations(dir)).map((m) => m.file);
    assert.deepEqual(files, [
      '001_items.sql',
      '002_items_name_index.sql',
      '003_item_counts.sql',
      '10_later.sql',
    ]);
  });

  it('applies each migration exactly once when five instances start at the same time', async () => {
    await withDatabase('sk_mig_conc', async (db) => {
      // Separate pools = separate sessions, as separate processes would have.
      const pools = Array.from({ length: 5 }, () => new pg.Pool({ connectionString: db.url, max: 2 }));
      try {
        const results = await Promise.all(pools.map((pool) => runMigrations(pool, FIXTURES)));
        const applied = results.flatMap((r) => r.applied).sort();
        assert.deepEqual(applied, ['001_items.sql', '002_items_name_index.sql', '003_item_counts.sql']);
        assert.equal(results.filter((r) => r.applied.length === 3).length, 1);
        assert.equal(results.filter((r) => r.alreadyApplied === 3).length, 4);
        const { rows } = await db.pool.query('SELECT version FROM schema_migrations ORDER BY version');
        assert.deepEqual(
          rows.map((r) => r.version),
          [1, 2, 3],
        );
        // A later start is a no-op.
        assert.deepEqual(await runMigrations(db.pool, FIXTURES), { applied: [], alreadyApplied: 3 });
      } finally {
        await Promise.all(pools.map((pool) => pool.end()));
      }
    });
  });

  it('outlasts the pool statement_timeout, both waiting for the lock and running a file', async () => {
    const dir = join(scratch, 'slow');
    await mkdir(dir);
    await writeFile(join(dir, '001_slow.sql'), 'SELECT pg_sleep(0.6);\nCREATE TABLE slow_done (id int);');
    await withDatabase('sk_mig_slow', async (db) => {
      // Request-traffic pools time statements out quickly (createPgPool's default is 10 s).
      const makePool = () => new pg.Pool({ connectionString: db.url, max: 1, statement_timeout: 200 });
      const [first, second] = [makePool(), makePool()];
      const pools = [first, second];
      try {
        const results = await Promise.all(pools.map((pool) => runMigrations(pool, dir)));
        assert.deepEqual(
          results.flatMap((r) => r.applied),
          ['001_slow.sql'],
        );
        // The lifted timeout does not leak into the pooled connection afterwards.
        const { rows } = await first.query('SHOW statement_timeout');
        assert.equal(rows[0].statement_timeout, '200ms');
      } finally {
        await Promise.all(pools.map((pool) => pool.end()));
      }
    });
  });

  it('rolls a failing migration back entirely and records nothing for it', async () => {
    const dir = join(scratch, 'failing');
    await cp(FIXTURES, dir, { recursive: true });
    await writeFile(
      join(dir, '004_broken.sql'),
      'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;',
    );
    await withDatabase('sk_mig_fail', async (db) => {
      await assert.rejects(runMigrations(db.pool, dir), (error: unknown) => {
        assert.ok(isMigrationError(error, 'MIGRATION_FAILED'), String(error));
        assert.match(error.message, /004_broken\.sql/);
        return true;
      });
      const { rows } = await db.pool.query('SELECT max(version) AS v FROM schema_migrations');
      assert.equal(rows[0].v, 3);
      const table = await db.pool.query("SELECT to_regclass('half_done') AS t");
      assert.equal(table.rows[0].t, null);

      // createService refuses to start on it (and closes its pool rather than hang the process).
      const config = loadConfig(baseConfigSchema, { DATABASE_URL: db.url, JWT_SECRET: TEST_JWT_SECRET });
      await assert.rejects(
        createService({ name: 'broken', config, logger: silentLogger, postgres: { migrationsDir: dir } }),
        { code: 'MIGRATION_FAILED' },
      );
    });
  });

  it('fails loudly when an applied file was edited', async () => {
    const dir = join(scratch, 'edited');
    await cp(FIXTURES, dir, { recursive: true });
    await withDatabase('sk_mig_edit', async (db) => {
      await runMigrations(db.pool, dir);
      await writeFile(
        join(dir, '002_items_name_index.sql'),
        'CREATE INDEX items_owner_idx ON items (owner);',
      );
      await assert.rejects(runMigrations(db.pool, dir), (error: unknown) => {
        assert.ok(isMigrationError(error, 'MIGRATION_CHECKSUM_MISMATCH'), String(error));
        assert.match(error.message, /002_items_name_index\.sql/);
        return true;
      });
    });
  });

  it('refuses two files with the same version', async () => {
    const dir = join(scratch, 'duplicate');
    await cp(FIXTURES, dir, { recursive: true });
    await writeFile(join(dir, '002_other.sql'), 'SELECT 1');
    await assert.rejects(loadMigrations(dir), { code: 'MIGRATION_DUPLICATE_VERSION' });
  });

  it("keeps each folder's versions apart: a library folder and the service folder may both have 001", async () => {
    const library = join(scratch, 'library');
    await mkdir(library);
    await writeFile(join(library, '001_library_table.sql'), 'CREATE TABLE library_table (id int);');
    await withDatabase('sk_mig_sources', async (db) => {
      const folders = [{ source: '@lab/example', dir: library }, FIXTURES];
      const first = await runMigrations(db.pool, folders);
      assert.deepEqual(first.applied, [
        '@lab/example/001_library_table.sql',
        '001_items.sql',
        '002_items_name_index.sql',
        '003_item_counts.sql',
      ]);
      const { rows } = await db.pool.query(
        'SELECT source, version FROM schema_migrations ORDER BY source, version',
      );
      assert.deepEqual(
        rows.map((r) => `${r.source}:${r.version}`),
        ['@lab/example:1', 'service:1', 'service:2', 'service:3'],
      );
      assert.deepEqual(await runMigrations(db.pool, folders), { applied: [], alreadyApplied: 4 });
    });
  });

  it("upgrades a ledger written before sources existed: its rows become the service's", async () => {
    await withDatabase('sk_mig_legacy', async (db) => {
      // The ledger's shape before library folders: the version alone was the key.
      await db.pool.query(`CREATE TABLE schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
      const [first] = await loadMigrations(FIXTURES);
      assert.ok(first);
      await db.pool.query(first.sql);
      await db.pool.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        first.version,
        first.name,
        first.checksum,
      ]);
      const result = await runMigrations(db.pool, FIXTURES);
      assert.deepEqual(result, {
        applied: ['002_items_name_index.sql', '003_item_counts.sql'],
        alreadyApplied: 1,
      });
      const { rows } = await db.pool.query(
        "SELECT count(*)::int AS n FROM schema_migrations WHERE source = 'service'",
      );
      assert.equal(rows[0].n, 3);
    });
  });
});

describe('createService migrations', () => {
  it("applies the kit's idempotency table, then library folders, then the service's, once", async () => {
    const library = join(scratch, 'library-for-service');
    await mkdir(library);
    await writeFile(join(library, '001_library_table.sql'), 'CREATE TABLE library_table (id int);');
    await withDatabase('sk_mig_service', async (db) => {
      const config = loadConfig(baseConfigSchema, { DATABASE_URL: db.url, JWT_SECRET: TEST_JWT_SECRET });
      const postgres = {
        migrationsDir: FIXTURES,
        libraryMigrations: [{ source: '@lab/example', dir: library }],
      };
      const first = await createService({ name: 'ordered', config, logger: silentLogger, postgres });
      await first.stop();
      assert.deepEqual(first.migrations?.applied, [
        '@lab/service-kit/001_idempotency_keys.sql',
        '@lab/example/001_library_table.sql',
        '001_items.sql',
        '002_items_name_index.sql',
        '003_item_counts.sql',
      ]);
      const table = await db.pool.query("SELECT to_regclass('idempotency_keys') AS t");
      assert.equal(table.rows[0].t, 'idempotency_keys');
      const second = await createService({ name: 'ordered', config, logger: silentLogger, postgres });
      await second.stop();
      assert.deepEqual(second.migrations, { applied: [], alreadyApplied: 5 });
    });
  });

  it("closes the clients it opened when the service's own setup throws", async () => {
    await withDatabase('sk_setup_throws', async (db) => {
      const config = loadConfig(baseConfigSchema, { DATABASE_URL: db.url, JWT_SECRET: TEST_JWT_SECRET });
      let seen: ServiceDeps | undefined;
      await assert.rejects(
        createService({
          name: 'bad-setup',
          config,
          logger: silentLogger,
          postgres: true,
          setup: (deps) => {
            seen = deps;
            throw new Error('a bad rule');
          },
        }),
        /a bad rule/,
      );
      // The pool was ended, so it cannot keep the process alive.
      assert.equal((seen?.pg as { ended?: boolean } | undefined)?.ended, true);
    });
  });
});
