// The live-update backplane in Redis, so any replica can serve any user's stream:
//   <prefix>live:log:<user>   a capped Redis stream per connected user: the events in delivery
//                             order; Last-Event-ID resumes read it, so a reconnect (to any
//                             replica) misses nothing still in the log
//   <prefix>live:<user>       a pub/sub channel: "the log grew", so the replica holding the
//                             connection reads it at once instead of polling
//   <prefix>live:slots:<user> the user's open connections (cap per user, across replicas)
//   <prefix>live:online       who is connected: fan-out writes live events only for them
// Only connected users get a log entry, so live delivery costs nothing for the (many) offline
// followers; a user who connects later reads their feed first.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Entry } from '../domain/entry.ts';

const ACQUIRE = readFileSync(new URL('./lua/live-acquire.lua', import.meta.url), 'utf8');
type Scripted = Redis & {
  feedLiveAcquire(
    slots: string,
    online: string,
    now: number,
    expiry: number,
    conn: string,
    max: number,
    user: string,
  ): Promise<number>;
};

export type LiveEvent = Entry & { streamId: string };
export type LiveBackplane = ReturnType<typeof createLiveBackplane>;

export function createLiveBackplane(options: {
  redis: Redis;
  subscriber: Redis;
  prefix: string;
  replayMax: number;
  slotTtlMs: number;
  maxPerUser: number;
}) {
  const { redis, subscriber, prefix } = options;
  if (!('feedLiveAcquire' in redis))
    redis.defineCommand('feedLiveAcquire', { numberOfKeys: 2, lua: ACQUIRE });
  const log = (user: string) => `${prefix}live:log:${user}`;
  const channel = (user: string) => `${prefix}live:${user}`;
  const slots = (user: string) => `${prefix}live:slots:${user}`;
  const online = `${prefix}live:online`;
  const listeners = new Map<string, Set<() => void>>();
  subscriber.on('message', (name: string) => {
    const user = name.slice(`${prefix}live:`.length);
    for (const listener of listeners.get(user) ?? []) listener();
  });
  const logTtlMs = Math.max(options.slotTtlMs * 20, 60_000);

  return {
    /** A slot for this connection, or false when the user is at the cap. */
    async acquire(user: string, connection: string): Promise<boolean> {
      const now = Date.now();
      const taken = await (redis as Scripted).feedLiveAcquire(
        slots(user),
        online,
        now,
        now + options.slotTtlMs,
        connection,
        options.maxPerUser,
        user,
      );
      return taken === 1;
    },
    release: (user: string, connection: string) => redis.zrem(slots(user), connection).then(() => undefined),
    /** Users with a live connection somewhere (bounded by the connection caps). */
    onlineUsers: () => redis.zrangebyscore(online, Date.now(), '+inf'),
    /** Appends an event to each user's log and tells their replica. */
    async deliver(users: readonly string[], entry: Entry): Promise<void> {
      if (users.length === 0) return;
      const pipeline = redis.pipeline();
      for (const user of users) {
        pipeline.xadd(
          log(user),
          'MAXLEN',
          '~',
          options.replayMax,
          '*',
          'id',
          entry.id,
          'score',
          String(entry.score),
        );
        pipeline.pexpire(log(user), logTtlMs);
        pipeline.publish(channel(user), '1');
      }
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    },
    /** Log entries strictly after `afterId` ("0-0" = from the start), oldest first. */
    async read(user: string, afterId: string, count: number): Promise<LiveEvent[]> {
      const rows = (await redis.xrange(log(user), `(${afterId}`, '+', 'COUNT', count)) as [
        string,
        string[],
      ][];
      return rows.map(([streamId, fields]) => ({
        streamId,
        id: fields[fields.indexOf('id') + 1] as string,
        score: Number(fields[fields.indexOf('score') + 1]),
      }));
    },
    /** The oldest and newest ids still in the user's log (undefined when it is empty). */
    async bounds(user: string): Promise<{ first?: string; last?: string }> {
      const [first] = (await redis.xrange(log(user), '-', '+', 'COUNT', 1)) as [string, string[]][];
      const [last] = (await redis.xrevrange(log(user), '+', '-', 'COUNT', 1)) as [string, string[]][];
      return { ...(first ? { first: first[0] } : {}), ...(last ? { last: last[0] } : {}) };
    },
    /** Calls `listener` whenever the user's log grows; returns the unsubscribe. */
    async subscribe(user: string, listener: () => void): Promise<() => Promise<void>> {
      let set = listeners.get(user);
      if (!set) {
        set = new Set();
        listeners.set(user, set);
        await subscriber.subscribe(channel(user));
      }
      set.add(listener);
      return async () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(user) === set) {
          listeners.delete(user);
          await subscriber.unsubscribe(channel(user)).catch(() => {});
        }
      };
    },
  };
}
