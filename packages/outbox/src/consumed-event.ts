// What a handler receives: a Kafka message decoded into an outbox event (headers as strings, the
// JSON value parsed, the event id from the `event-id` header). Pure, so it is unit-tested.
import type { KafkaMessage } from 'kafkajs';
import { headersToStrings } from './kafka-headers.ts';

export type ConsumedEvent = {
  /** The `event-id` header; `<topic>:<partition>:<offset>` for a message without one. */
  eventId: string;
  eventType: string | undefined;
  /** The message key: the aggregate id for outbox events. */
  key: string | null;
  /** The JSON-parsed value. */
  payload: unknown;
  headers: Record<string, string>;
  topic: string;
  partition: number;
  offset: string;
  /** The message's timestamp (ms since the epoch, as KafkaJS gives it): when the relay produced it. */
  timestamp: string;
  /** 1 on the first try. */
  attempt: number;
};

/** A message and its event; a value that is not JSON keeps its parse error for the DLQ. */
export type Item = { message: KafkaMessage; event: ConsumedEvent; parseError?: unknown };

export function toItem(message: KafkaMessage, topic: string, partition: number): Item {
  const headers = headersToStrings(message.headers);
  let payload: unknown;
  let parseError: unknown;
  try {
    payload = message.value === null ? null : JSON.parse(message.value.toString());
  } catch (error) {
    parseError = error;
  }
  const event: ConsumedEvent = {
    eventId: headers['event-id'] ?? `${topic}:${partition}:${message.offset}`,
    eventType: headers['event-type'],
    key: message.key?.toString() ?? null,
    payload,
    headers,
    topic,
    partition,
    offset: message.offset,
    timestamp: message.timestamp,
    attempt: 1,
  };
  return { message, event, parseError };
}
