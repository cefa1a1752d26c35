// Replaying a lane's dead letters once the cause is fixed (a provider back, a bug deployed):
// first the failed messages of that lane go back to queued, in one statement, then @lab/outbox's
// replayDlq puts the DLQ's jobs back on the lane's topic. The order matters: a job that arrived
// before its message was queued again would be skipped as "not queued".
//
// A replayed job keeps its attempt number, so it gets one more try, not a fresh ladder of
// retries: a message that fails again goes straight back to the DLQ.
import { replayDlq } from '@lab/outbox';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Channel } from '../domain/channels.ts';
import { sourcesOf } from '../domain/status.ts';

export async function replayDeadLetters(options: {
  kafka: Kafka;
  pool: pg.Pool;
  topic: string;
  channel: Channel;
  /** The categories the lane carries: transactional (high), marketing (low), both (shared). */
  categories: readonly string[];
  timeoutMs?: number;
}): Promise<{ requeued: number; replayed: number }> {
  const { rowCount } = await options.pool.query(
    `UPDATE messages SET status = 'queued', reason = 'replayed', updated_at = now()
      WHERE status = ANY($3::text[]) AND channel = $1 AND category = ANY($2::text[])`,
    [options.channel, options.categories, sourcesOf('queued')],
  );
  const { replayed } = await replayDlq({
    kafka: options.kafka,
    topic: options.topic,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  return { requeued: rowCount ?? 0, replayed };
}
