// An outbox row as the Kafka message the relay sends, and how big that message is.
//
// Size matters twice. The broker refuses a record batch larger than its `message.max.bytes`
// (1,048,588 bytes by default) with MESSAGE_TOO_LARGE, and KafkaJS puts all of one request's
// messages for a partition in one batch. So a relay batch of individually small rows can be
// refused as a whole: the relay splits every claimed batch into sends of at most `maxBatchBytes`.
// And a single event over the limit can never be sent: enqueue refuses it, while the writer can
// still do something about it.
import type { Message } from 'kafkajs';
import type { OutboxRowRef } from './errors.ts';

/** An outbox row as the relay claims it (payload already JSON text). */
export type OutboxMessageRow = {
  id: string;
  event_id: string;
  aggregate_type: string;
  aggregate_id: string;
  event_type: string;
  topic: string;
  payload: string;
  headers: Record<string, string>;
};

/**
 * Kafka's default message.max.bytes is 1,048,588 bytes for a whole record batch; 1,000,000 for
 * one event leaves room for the batch header and record framing.
 */
export const DEFAULT_MAX_EVENT_BYTES = 1_000_000;

// Per record: length, attributes, timestamp and offset deltas, key and value lengths, header
// count (varints, at most ~30 bytes together); per header: two length varints.
const RECORD_OVERHEAD_BYTES = 32;
const HEADER_OVERHEAD_BYTES = 10;

export function toKafkaMessage(row: OutboxMessageRow): Message & { key: string; value: string } {
  return {
    key: row.aggregate_id,
    value: row.payload,
    headers: {
      ...row.headers,
      'event-id': row.event_id,
      'event-type': row.event_type,
      'aggregate-type': row.aggregate_type,
    },
  };
}

/** An upper estimate of the bytes a message takes in a record batch (uncompressed). */
export function recordBytes(message: { key: string; value: string; headers?: Message['headers'] }): number {
  let bytes = RECORD_OVERHEAD_BYTES + Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + Buffer.byteLength(String(value ?? ''));
  }
  return bytes;
}

/**
 * Cuts rows (in id order) into consecutive sends of at most `maxBytes` each. A row larger than
 * that goes alone (the broker has the last word on it), and so does every row in `alone`: rows of
 * a send the broker refused as a whole, retried one by one to find the one it refuses.
 */
export function splitForSend<R extends OutboxMessageRow>(
  rows: readonly R[],
  maxBytes: number,
  alone: ReadonlySet<string>,
): R[][] {
  const chunks: R[][] = [];
  let current: R[] = [];
  let currentBytes = 0;
  const flush = () => {
    if (current.length > 0) chunks.push(current);
    current = [];
    currentBytes = 0;
  };
  for (const row of rows) {
    const bytes = recordBytes(toKafkaMessage(row));
    if (alone.has(row.id) || bytes >= maxBytes) {
      flush();
      chunks.push([row]);
      continue;
    }
    if (currentBytes + bytes > maxBytes) flush();
    current.push(row);
    currentBytes += bytes;
  }
  flush();
  return chunks;
}

export function rowRef(row: OutboxMessageRow): OutboxRowRef {
  return {
    id: row.id,
    eventId: row.event_id,
    topic: row.topic,
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
  };
}
