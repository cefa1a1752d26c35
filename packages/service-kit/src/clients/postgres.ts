// Postgres pool with bounded waits: a request should fail fast with a clear error rather than
// queue forever behind a dead connection, and a readiness probe needs its own short bound.
import pg from 'pg';
import { PG_POOL_DEFAULTS, READINESS_DEFAULTS } from '../defaults.ts';
import type { ReadinessCheck } from '../health/health.ts';

export type PgPool = pg.Pool;

export type PostgresOptions = {
  connectionString: string;
  /** Pool size. Size it to the DB's max_connections / instances. @default 10 — pg's own default */
  max?: number;
  /** How long a query may wait for a free connection (ms). @default 5_000 — fail fast, not queue forever */
  connectionTimeoutMillis?: number;
  /** Server-side statement timeout (ms). @default 10_000 — a runaway query cannot pin a connection */
  statementTimeoutMs?: number;
  /** Shown in pg_stat_activity. @default none (createService passes the service name) */
  applicationName?: string;
};

export function createPgPool(options: PostgresOptions): PgPool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? PG_POOL_DEFAULTS.max,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? PG_POOL_DEFAULTS.connectionTimeoutMillis,
    idleTimeoutMillis: PG_POOL_DEFAULTS.idleTimeoutMillis,
    statement_timeout: options.statementTimeoutMs ?? PG_POOL_DEFAULTS.statementTimeoutMs,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would crash
  // the process. The pool drops that client and the next checkout reconnects.
  pool.on('error', () => {});
  guardCheckedOutClients(pool);
  return pool;
}

/**
 * A client checked out of the pool has no 'error' listener (the pool listens only on idle
 * clients), so a connection that dies while a client is held -- by a transaction between
 * statements, or by the outbox relay's leadership session while it waits on Kafka -- emits an
 * unhandled 'error' and ends the process. The failure still reaches the code holding the client
 * as the rejection of its current or next query, which is where it is handled; this listener only
 * keeps the same error from also being thrown at the process. (Found by the URL shortener's
 * Postgres-cut test.)
 */
function guardCheckedOutClients(pool: pg.Pool): void {
  const guarded = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => {
    if (guarded.has(client)) return;
    guarded.add(client);
    client.on('error', () => {});
  });
}

export function postgresCheck(
  pool: PgPool,
  timeoutMs: number = READINESS_DEFAULTS.postgresTimeoutMs,
): ReadinessCheck {
  return { name: 'postgres', timeoutMs, check: () => pool.query('SELECT 1') };
}

/** A unit of database work written against a transaction someone else opened. */
export type TxWork<T> = (tx: pg.PoolClient) => Promise<T>;

/**
 * Runs `work` in one transaction: BEGIN, COMMIT, or ROLLBACK when it throws. Writes are written as
 * `TxWork` functions so the same function can run here or inside `idempotentWrite`, whose
 * transaction also stores the Idempotency-Key response (Stripe's atomic phases).
 */
export async function inTransaction<T>(pool: pg.Pool, work: TxWork<T>): Promise<T> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (error) {
    await tx.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    tx.release();
  }
}
