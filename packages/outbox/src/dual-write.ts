// THE ANTI-PATTERN, kept on purpose for tests and experiments: commit to Postgres, then publish to
// Kafka directly. Two systems, no shared transaction: if the process dies (or Kafka is down) after
// the commit and before the publish, the data exists and the event is lost for good; publishing
// first instead would announce data that a failed commit never stored. The transactional outbox
// (enqueue + relay) closes that window. `betweenCommitAndPublish` is the kill point the tests use
// to show the loss.
import type { Producer } from 'kafkajs';
import type pg from 'pg';
import type { OutboxEvent } from './enqueue.ts';

export type DualWritePublisherOptions = {
  pool: pg.Pool;
  producer: Producer;
  /** Runs after COMMIT, before the Kafka send: crash here to see an event vanish. */
  betweenCommitAndPublish?: () => void | Promise<void>;
};

export type DualWritePublisher = {
  /** Runs `write` in a transaction, commits, then sends `event` to Kafka. */
  publish(write: (tx: pg.PoolClient) => Promise<void>, event: OutboxEvent): Promise<void>;
};

export function dualWritePublisher({
  pool,
  producer,
  betweenCommitAndPublish = () => {},
}: DualWritePublisherOptions): DualWritePublisher {
  return {
    async publish(write, event) {
      const tx = await pool.connect();
      try {
        await tx.query('BEGIN');
        await write(tx);
        await tx.query('COMMIT');
      } catch (error) {
        await tx.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        tx.release();
      }
      await betweenCommitAndPublish();
      await producer.send({
        topic: event.topic,
        acks: -1,
        messages: [
          {
            key: event.aggregateId,
            value: JSON.stringify(event.payload),
            headers: {
              ...event.headers,
              'event-type': event.eventType,
              'aggregate-type': event.aggregateType,
            },
          },
        ],
      });
    },
  };
}
