// The scheduler: a Redis sorted set of Kafka messages to publish later, scored by the time they
// are due. Two kinds of item land here: marketing deferred by quiet hours, and retries waiting
// out their backoff. A worker moves due items back onto their topic (workers/scheduler-worker.ts).
//
// At-least-once, without a lock: the worker reads due items, publishes them, and only then
// removes them. A crash in between publishes an item twice, which the delivery worker absorbs (a
// message that is no longer queued is skipped; the provider deduplicates by message id). The
// opposite order (remove, then publish) would lose an item on a crash.
//
// Each item carries the `traceparent` of the message it came from, so the trace continues after
// the wait. Members are the item's JSON, so the same retry scheduled twice is stored once. The
// set holds at most one entry per accepted message, so its size is bounded by what was accepted.
import type { Redis } from '@lab/service-kit';

export type ScheduledItem = {
  topic: string;
  key: string;
  /** The Kafka message value (a delivery job as JSON). */
  value: string;
  traceparent?: string;
};

export type Scheduler = {
  add(item: ScheduledItem, dueAt: Date): Promise<void>;
  /** Items due at `now`, oldest first, at most `limit`; each with the member to remove it by. */
  due(now: Date, limit: number): Promise<{ member: string; item: ScheduledItem }[]>;
  remove(members: readonly string[]): Promise<void>;
  size(): Promise<number>;
};

export function createScheduler(redis: Redis, key: string): Scheduler {
  return {
    async add(item, dueAt) {
      await redis.zadd(key, dueAt.getTime(), JSON.stringify(item));
    },
    async due(now, limit) {
      const members = await redis.zrangebyscore(key, '-inf', now.getTime(), 'LIMIT', 0, limit);
      return members.map((member) => ({ member, item: JSON.parse(member) as ScheduledItem }));
    },
    async remove(members) {
      if (members.length > 0) await redis.zrem(key, ...members);
    },
    size: () => redis.zcard(key),
  };
}
