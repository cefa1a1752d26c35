// Leader election for relays, with fencing, through two Postgres advisory locks per outbox name.
//
// - The leader lock is a session lock held on the leader's dedicated connection. Only its holder
//   publishes, so events leave in id order even when several relays run (standbys for
//   availability). When the leader process dies or its connection drops, Postgres releases the
//   lock and a standby's next pg_try_advisory_lock wins. The same connection LISTENs for NOTIFY.
// - The batch lock fences off a "zombie" -- a leader that lost its lock (connection gone) while a
//   batch of its was claimed and on its way to Kafka. Every batch transaction takes the batch lock
//   in SHARED mode and then checks that its relay's leader connection still holds the leader lock
//   (relay-batch.ts). A relay that has just won the leader lock takes the batch lock EXCLUSIVELY
//   once, which waits until every batch transaction still open has ended. So the batch
//   transactions of two leaders never overlap: a zombie's in-flight batch is committed or rolled
//   back before the new leader claims anything, and a zombie cannot start another one. Without
//   this, the new leader's SKIP LOCKED claim would jump over the zombie's rows and publish newer
//   events first.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { OUTBOX_CHANNEL } from './enqueue.ts';

export type LockKeys = {
  /** Signed 64-bit keys, as strings (advisory locks are keyed by bigint). */
  leader: string;
  batches: string;
  /** The leader key as pg_locks shows it: high and low 32 bits (classid, objid). */
  leaderHigh: string;
  leaderLow: string;
};

export type Leadership = {
  /** Takes the lock if it is free; true when this instance is (still) the leader. */
  tryAcquire(): Promise<boolean>;
  isLeader(): boolean;
  /** The backend pid of the leader connection (batch transactions check that it holds the lock). */
  leaderPid(): number | undefined;
  keys: LockKeys;
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

/** Stable advisory-lock keys for the relays of one outbox name. */
export function advisoryLockKeys(name: string): LockKeys {
  const key = (label: string) =>
    createHash('sha256').update(`outbox-relay:${name}:${label}`).digest().readBigInt64BE(0);
  const leader = key('leader');
  const unsigned = BigInt.asUintN(64, leader);
  return {
    leader: leader.toString(),
    batches: key('batches').toString(),
    leaderHigh: (unsigned >> 32n).toString(),
    leaderLow: (unsigned & 0xffffffffn).toString(),
  };
}

export function createLeadership({ pool, name, listen, onNotify, onLost }: LeadershipOptions): Leadership {
  const keys = advisoryLockKeys(name);
  let client: pg.PoolClient | undefined;
  let leader = false;
  let pid: number | undefined;

  function drop(error: Error): void {
    const lost = client;
    if (!lost) return;
    client = undefined;
    const wasLeader = leader;
    leader = false;
    pid = undefined;
    lost.release(error); // destroys the connection instead of returning it to the pool
    if (wasLeader) onLost(error);
  }

  return {
    keys,
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
      const held = client;
      try {
        const { rows } = await held.query<{ locked: boolean; pid: number }>(
          'SELECT pg_try_advisory_lock($1::bigint) AS locked, pg_backend_pid() AS pid',
          [keys.leader],
        );
        if (rows[0]?.locked !== true) return false;
        // Wait out the previous leader's batch transactions (see the header), then lead.
        await held.query('SELECT pg_advisory_lock($1::bigint)', [keys.batches]);
        await held.query('SELECT pg_advisory_unlock($1::bigint)', [keys.batches]);
        if (listen) await held.query(`LISTEN ${OUTBOX_CHANNEL}`);
        pid = rows[0].pid;
        leader = client === held;
        return leader;
      } catch (error) {
        drop(error as Error);
        throw error;
      }
    },
    isLeader: () => leader,
    leaderPid: () => pid,
    async release() {
      const held = client;
      if (!held) return;
      client = undefined;
      try {
        if (leader) await held.query('SELECT pg_advisory_unlock($1::bigint)', [keys.leader]);
      } catch {
        // The connection is going away anyway; Postgres frees the lock with the session.
      } finally {
        leader = false;
        pid = undefined;
        held.release(true);
      }
    },
  };
}
