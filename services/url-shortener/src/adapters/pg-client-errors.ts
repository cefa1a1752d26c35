// Workaround, to move into service-kit's createPgPool: a pg client that is checked out of the pool
// has no 'error' listener (the pool listens only on idle clients), so a connection that dies while
// a client is held — by a transaction between statements, or by the outbox relay while it waits on
// Kafka — emits an unhandled 'error' event and ends the process. The Postgres-cut test found it
// (the relay's fence query). The failure still reaches the code that holds the client, as the
// rejection of its query or of its next one, which is where it is handled; this listener only
// keeps the same error from also being thrown at the process.
import type pg from 'pg';

export function guardCheckedOutClients(pool: pg.Pool): void {
  const guarded = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => {
    if (guarded.has(client)) return;
    guarded.add(client);
    client.on('error', () => {});
  });
}
