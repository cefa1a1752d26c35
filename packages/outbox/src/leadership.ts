// Leader election for relays through a Postgres session advisory lock. Only the relay holding the
// lock publishes, so events leave in id order even when several relay instances run (standbys for
// availability). The lock lives on one dedicated connection: when the leader process dies or its
// connection drops, Postgres releases the lock and a standby's next pg_try_advisory_lock wins.
// The same connection LISTENs for the outbox's NOTIFY wake-up hints.
//
// A lock alone cannot stop a "zombie" leader that lost its connection mid-batch from finishing
// that batch; the claim query's order fence (relay-batch.ts) covers that case.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { OUTBOX_CHANNEL } from './enqueue.ts';

export type Leadership = {
  /** Takes the lock if it is free; true when this instance is (still) the leader. */
  tryAcquire(): Promise<boolean>;
  isLeader(): boolean;
  /** Unlocks and closes the dedicated connection. */
  release(): Promise<void>;
};

export type LeadershipOptions = {
  pool: pg.Pool;
  /** Relays sharing a name compete for one lock. */
  name: string;
  listen: boolean;
  onNotify: () => void;
  onLost: (error: Error) => void;
};

/** A stable signed 64-bit lock key from a name (advisory locks are keyed by bigint). */
export function advisoryLockKey(name: string): string {
  return createHash('sha256').update(`outbox-relay:${name}`).digest().readBigInt64BE(0).toString();
}

export function createLeadership({ pool, name, listen, onNotify, onLost }: LeadershipOptions): Leadership {
  const key = advisoryLockKey(name);
  let client: pg.PoolClient | undefined;
  let leader = false;

  function drop(error: Error): void {
    const lost = client;
    if (!lost) return;
    client = undefined;
    const wasLeader = leader;
    leader = false;
    lost.release(error); // destroys the connection instead of returning it to the pool
    if (wasLeader) onLost(error);
  }

  return {
    async tryAcquire() {
      if (leader) return true;
      if (!client) {
        const connected = await pool.connect();
        // A checked-out client that errors with no listener would crash the process.
        connected.on('error', (error) => drop(error));
        connected.on('end', () => drop(new Error('leader connection ended')));
        connected.on('notification', () => onNotify());
        client = connected;
      }
      try {
        const result = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock($1::bigint) AS locked',
          [key],
        );
        leader = result.rows[0]?.locked === true;
        if (leader && listen) await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      } catch (error) {
        drop(error as Error);
        throw error;
      }
      return leader;
    },
    isLeader: () => leader,
    async release() {
      const held = client;
      if (!held) return;
      client = undefined;
      try {
        if (leader) await held.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      } catch {
        // The connection is going away anyway; Postgres frees the lock with the session.
      } finally {
        leader = false;
        held.release(true);
      }
    },
  };
}
