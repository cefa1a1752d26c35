// One event contract: the topic an event travels on, the versioned name consumers check, the
// payload schema both sides validate against, and which payload field is the aggregate (the Kafka
// key, so events of one aggregate stay in order on one partition).
//
// Why validate on both sides: the producer's check stops a bad event before it is durable (in the
// outbox) and travels; the consumer's check protects it from producers it does not control (an
// older deploy, a hand-written kcat message). A consumer that fails a contract dead-letters the
// message rather than retrying it forever: a malformed event never becomes valid by waiting.
//
// Versioning: `eventType` is `<topic>.v<N>`. An additive change (a new optional field) keeps N; a
// breaking change publishes `v<N+1>` beside `v<N>` until every consumer reads the new one.
import type { z } from 'zod';
import { EventContractError } from './errors.ts';

export type EventContract<Schema extends z.ZodType> = {
  /** Kafka topic, `<domain>.<event>`. */
  readonly topic: string;
  readonly version: number;
  /** `<topic>.v<version>`: the `event-type` header and the outbox row's event type. */
  readonly eventType: string;
  /** The owner of the aggregate the key names (`url`, `post`, `user`): the outbox's aggregate type. */
  readonly aggregateType: string;
  /**
   * The services that produce the event. Each creates the topic at start-up (DESIGN.md: the
   * producer owns its topic); with several producers, whichever starts first creates it and the
   * others find it there. Consumers never create topics: they wait for them.
   */
  readonly producers: readonly string[];
  readonly schema: Schema;
  /** The message key: the aggregate id, taken from the payload. */
  readonly keyOf: (payload: z.output<Schema>) => string;
};

export type PayloadOf<C> = C extends EventContract<infer S> ? z.output<S> : never;

export function defineEvent<Schema extends z.ZodType>(definition: {
  topic: string;
  version: number;
  aggregateType: string;
  producers: readonly string[];
  schema: Schema;
  keyOf: (payload: z.output<Schema>) => string;
}): EventContract<Schema> {
  return Object.freeze({ ...definition, eventType: `${definition.topic}.v${definition.version}` });
}

/** Validates a payload against its contract; throws EventContractError listing every problem. */
export function parseEvent<Schema extends z.ZodType>(
  contract: EventContract<Schema>,
  payload: unknown,
): z.output<Schema> {
  const result = contract.schema.safeParse(payload);
  if (result.success) return result.data;
  throw new EventContractError(
    contract.eventType,
    result.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`),
  );
}
