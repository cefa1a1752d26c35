// Turning a validated payload into what carries it (an outbox row, or a Kafka message for the few
// best-effort events sent directly), and a consumed message back into a validated payload. The
// shapes are structural, so this package depends on neither @lab/outbox nor kafkajs.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { type EventContract, parseEvent } from './contract.ts';
import { EventContractError } from './errors.ts';

/** The fields of `@lab/outbox`'s `OutboxEvent` that a contract decides. */
export type ContractOutboxEvent = {
  topic: string;
  aggregateType: string;
  aggregateId: string;
  eventType: string;
  payload: unknown;
  eventId?: string;
};

/** Validates, then shapes an outbox row: call `enqueue(tx, toOutboxEvent(contract, payload))`. */
export function toOutboxEvent<Schema extends z.ZodType>(
  contract: EventContract<Schema>,
  payload: z.input<Schema>,
  options: { eventId?: string } = {},
): ContractOutboxEvent {
  const valid = parseEvent(contract, payload);
  return {
    topic: contract.topic,
    aggregateType: contract.aggregateType,
    aggregateId: contract.keyOf(valid),
    eventType: contract.eventType,
    payload: valid,
    ...(options.eventId ? { eventId: options.eventId } : {}),
  };
}

export type ContractMessage = { key: string; value: string; headers: Record<string, string> };

/** Validates, then shapes a Kafka message with the lab's `event-id` and `event-type` headers. */
export function toKafkaMessage<Schema extends z.ZodType>(
  contract: EventContract<Schema>,
  payload: z.input<Schema>,
  options: { eventId?: string; headers?: Record<string, string> } = {},
): ContractMessage {
  const valid = parseEvent(contract, payload);
  return {
    key: contract.keyOf(valid),
    value: JSON.stringify(valid),
    headers: {
      ...options.headers,
      'event-id': options.eventId ?? randomUUID(),
      'event-type': contract.eventType,
    },
  };
}

/**
 * Checks a consumed event against the contract its consumer reads: the version in `event-type`
 * must be the one this consumer understands, and the payload must validate. Throws
 * EventContractError otherwise, which a consumer should dead-letter, not retry.
 */
export function decodeEvent<Schema extends z.ZodType>(
  contract: EventContract<Schema>,
  event: { eventType: string | undefined; payload: unknown },
): z.output<Schema> {
  if (event.eventType !== contract.eventType) {
    throw new EventContractError(contract.eventType, [
      `event-type is ${JSON.stringify(event.eventType ?? null)}, this consumer reads ${contract.eventType}`,
    ]);
  }
  return parseEvent(contract, event.payload);
}
