// Postgres pool with bounded waits: a request should fail fast with a clear error rather than
// queue forever behind a dead connection, and a readiness probe needs its own short bound.
import pg from 'pg';
import type { ReadinessCheck } from '../health/health.ts';

export type PgPool = pg.Pool;

export type PostgresOptions = {
  connectionString: string;
  /** Pool size; default 10 (pg's default). Size it to the DB's max_connections / instances. */
  max?: number;
  /** How long a query may wait for a free connection; default 5 s. */
  connectionTimeoutMillis?: number;
  /** Server-side statement timeout; default 10 s, so a runaway query cannot pin a connection. */
  statementTimeoutMs?: number;
  applicationName?: string;
};

export function createPgPool(options: PostgresOptions): PgPool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would crash
  // the process. The pool drops that client and the next checkout reconnects.
  pool.on('error', () => {});
  return pool;
}

export function postgresCheck(pool: PgPool, timeoutMs = 1_000): ReadinessCheck {
  return { name: 'postgres', timeoutMs, check: () => pool.query('SELECT 1') };
}
