// A fresh Postgres database per test file: tests run in parallel and never see each other's rows.
import pg from 'pg';
import { testDependencies } from './dependencies.ts';
import { uniqueName } from './unique-name.ts';

export type TestDatabase = {
  name: string;
  /** Connection string of the new database. */
  url: string;
  /** A pool on the new database, closed by drop(). */
  pool: pg.Pool;
  drop(): Promise<void>;
};

export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const { databaseUrl } = await testDependencies();
  const name = uniqueName(`t_${label}`);
  await withAdminClient(databaseUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = databaseUrlFor(databaseUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client the server ends (a fault test cuts the link, drop() forces connections closed)
  // emits 'error' on the pool; without a listener that error would crash the whole test process.
  pool.on('error', () => {});
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end();
      // FORCE ends connections a test left open (a killed child process, say).
      await withAdminClient(databaseUrl, (admin) =>
        admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

/** The same server and credentials, another database. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdminClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
