// loadMigrations without a database: ordering, the source a folder is recorded under, duplicates.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadMigrations, SERVICE_SOURCE } from '../src/index.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lab-migrations-'));
  await writeFile(join(dir, '002_second.sql'), 'SELECT 2');
  await writeFile(join(dir, '001_first.sql'), 'SELECT 1');
  await writeFile(join(dir, 'notes.md'), 'not a migration');
});
after(() => rm(dir, { recursive: true, force: true }));

test("a bare folder is the service's, files in numeric order, other names skipped", async () => {
  const migrations = await loadMigrations(dir);
  assert.deepEqual(
    migrations.map((m) => [m.source, m.version, m.file]),
    [
      [SERVICE_SOURCE, 1, '001_first.sql'],
      [SERVICE_SOURCE, 2, '002_second.sql'],
    ],
  );
  assert.match(migrations[0]?.checksum ?? '', /^[0-9a-f]{64}$/);
});

test('a library folder is recorded under its own source', async () => {
  const migrations = await loadMigrations({ source: '@lab/example', dir });
  assert.deepEqual(
    migrations.map((m) => m.source),
    ['@lab/example', '@lab/example'],
  );
});

test('two files with one version in a folder are refused', async () => {
  await writeFile(join(dir, '002_again.sql'), 'SELECT 3');
  await assert.rejects(loadMigrations(dir), { code: 'MIGRATION_DUPLICATE_VERSION' });
  await rm(join(dir, '002_again.sql'));
});
