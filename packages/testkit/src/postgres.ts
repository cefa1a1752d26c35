// A fresh Postgres database per test file: tests run in parallel and never see each other's rows.
import pg from 'pg';
import { testDependencies } from './dependencies.ts';
import { uniqueName } from './unique-name.ts';
import { waitUntil } from './wait-until.ts';

/** How long drop() waits for the database's connections to close before it forces them. */
const DROP_WAIT_MS = 1_000;

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
      await withAdminClient(databaseUrl, async (admin) => {
        // pg's Pool#end() resolves before its clients' sockets have closed, for this pool and for
        // any a test ended just before. FORCE would terminate a connection that is already
        // closing, and the FATAL it sends reaches a client with no error listener left: an
        // uncaught exception after the test ended, which fails the file. So wait, bounded, for
        // the connections to go; FORCE then ends only what a test left open (a killed child).
        const connections = async () =>
          Number(
            (await admin.query('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [name]))
              .rows[0].n,
          );
        await waitUntil(async () => (await connections()) === 0, {
          timeoutMs: DROP_WAIT_MS,
          intervalMs: 10,
        }).catch(() => {});
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
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
