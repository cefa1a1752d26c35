// Dead letters: a message whose handler failed maxAttempts times is copied to `<topic>.dlq` with
// the error in its headers, so it stops blocking its partition and is kept for a fix-and-replay.
import { ensureTopics } from '@lab/kafka-topics';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { headersToStrings } from './kafka-headers.ts';

export const DLQ_HEADER_PREFIX = 'dlq-';

export function dlqTopicFor(topic: string): string {
  return `${topic}.dlq`;
}

export type DeadLetterCause = {
  error: unknown;
  attempts: number;
  topic: string;
  partition: number;
  groupId: string;
};

/**
 * The original headers plus what an operator needs to triage the message. A message without an
 * `event-id` header gets the identity the consumer gave it (`<topic>:<partition>:<offset>`), so
 * after a replay (a new offset) it is still the same event: a message dead-lettered twice (a crash
 * before the offset commit) and replayed twice is then processed once.
 */
export function deadLetterHeaders(message: KafkaMessage, cause: DeadLetterCause): Record<string, string> {
  const error = cause.error as { name?: string; message?: string } | undefined;
  const headers = headersToStrings(message.headers);
  return {
    ...headers,
    'event-id': headers['event-id'] ?? `${cause.topic}:${cause.partition}:${message.offset}`,
    'dlq-error': String(error?.message ?? cause.error).slice(0, 2_000),
    'dlq-error-type': String(error?.name ?? typeof cause.error),
    'dlq-attempts': String(cause.attempts),
    'dlq-original-topic': cause.topic,
    'dlq-original-partition': String(cause.partition),
    'dlq-original-offset': message.offset,
    'dlq-group': cause.groupId,
    'dlq-failed-at': new Date().toISOString(),
  };
}

/** The headers a replayed message carries: the original ones, without the dlq-* triage headers. */
export function replayHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith(DLQ_HEADER_PREFIX)));
}

/**
 * Creates `<topic>.dlq` unless it exists (topic auto-creation is off on the lab broker, as it
 * should be in production), with the source topic's partition count so keys spread the same way.
 */
export async function ensureDlqTopic(kafka: Kafka, topic: string): Promise<string> {
  const dlqTopic = dlqTopicFor(topic);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(dlqTopic)) {
      const partitions = await partitionCount(admin, topic);
      // A concurrent consumer creating it first is fine; this returns once it has leaders.
      await ensureTopics(admin, [{ topic: dlqTopic, partitions }]);
    }
  } finally {
    await admin.disconnect();
  }
  return dlqTopic;
}

async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  return metadata.topics[0]?.partitions.length || 1;
}
