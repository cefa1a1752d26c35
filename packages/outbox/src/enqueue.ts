// The outbox write: events are inserted by the caller, inside the caller's transaction, next to the
// business rows they describe. Commit makes both visible at once; rollback removes both. This is
// the whole point of the pattern: no window in which the data exists but the event does not.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { OutboxError } from './errors.ts';
import { DEFAULT_MAX_EVENT_BYTES, recordBytes, toKafkaMessage } from './outbox-message.ts';
import { traceHeaders } from './trace-context.ts';
import { KAFKA_TOPIC } from './validate.ts';

/** The LISTEN/NOTIFY channel the relay listens on for wake-up hints. */
export const OUTBOX_CHANNEL = 'outbox_events';

export type OutboxEvent = {
  /** Kafka topic, `<domain>.<event>` (e.g. `url.created`). */
  topic: string;
  aggregateType: string;
  /** Becomes the Kafka message key: events of one aggregate land in one partition, in order. */
  aggregateId: string;
  eventType: string;
  /** Any JSON value; stored as jsonb. */
  payload: unknown;
  /** Extra headers; the active trace context (`traceparent`) is added unless given here. */
  headers?: Record<string, string>;
  /** A UUID chosen by the caller (e.g. derived from an idempotency key); random by default. */
  eventId?: string;
};

/** enqueue's defaults, each with its reason; EnqueueOptions repeats them as `@default`. */
export const ENQUEUE_DEFAULTS = {
  /** An idle relay wakes at once; a hot write path turns it off (NOTIFY serializes commits). */
  notify: true,
  /** Under Kafka's default message.max.bytes (1,048,588), with room for the batch framing. */
  maxEventBytes: DEFAULT_MAX_EVENT_BYTES,
} as const;

export type EnqueueOptions = {
  /**
   * Send a NOTIFY so an idle relay wakes at once. NOTIFY takes a database-wide lock at commit,
   * which serializes committing writers; turn it off on hot write paths and let the relay's
   * polling pick the rows up (see README, "The NOTIFY trade-off").
   * @default true
   */
  notify?: boolean;
  /**
   * Largest event accepted, as the Kafka record the relay will send (key, value, headers): under
   * Kafka's default message.max.bytes (1,048,588). Match a topic's lower max.message.bytes here;
   * the relay still parks or halts at a row the broker refuses.
   * @default 1_000_000
   */
  maxEventBytes?: number;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// One statement for any number of events (one round trip). The NOTIFY rides in the same statement;
// Postgres folds identical notifications of one transaction into one, so many enqueues in one
// transaction still wake the relay once.
const INSERT_EVENTS = `
  WITH inserted AS (
    INSERT INTO outbox (event_id, aggregate_type, aggregate_id, event_type, topic, payload, headers)
    SELECT event_id, aggregate_type, aggregate_id, event_type, topic, payload, headers
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[])
      WITH ORDINALITY AS e(event_id, aggregate_type, aggregate_id, event_type, topic, payload, headers, n)
    ORDER BY n
    RETURNING 1
  )
  SELECT count(*)::int AS inserted, CASE WHEN $8::boolean THEN pg_notify('${OUTBOX_CHANNEL}', '') END AS notified
  FROM inserted`;

/** Writes one event in the caller's transaction and returns its event id. */
export async function enqueue(
  tx: pg.ClientBase,
  event: OutboxEvent,
  options?: EnqueueOptions,
): Promise<string> {
  const [eventId] = await enqueueMany(tx, [event], options);
  return eventId as string;
}

/** Writes several events, in order, in the caller's transaction; returns their event ids. */
export async function enqueueMany(
  tx: pg.ClientBase,
  events: readonly OutboxEvent[],
  { notify = ENQUEUE_DEFAULTS.notify, maxEventBytes = ENQUEUE_DEFAULTS.maxEventBytes }: EnqueueOptions = {},
): Promise<string[]> {
  if (!Array.isArray(events)) throw new OutboxError('OUTBOX_INVALID_EVENT', 'events must be an array');
  assertInTransaction(tx);
  if (events.length === 0) return [];
  const inherited = traceHeaders();
  const ids = events.map((event) => validate(event).eventId ?? randomUUID());
  // Serialized before the INSERT: a payload JSON cannot hold fails here with a typed error, and
  // the caller's transaction is not aborted by a failed statement.
  const payloads = events.map((event) => toJson(event.payload));
  const headers = events.map((event) => ({ ...inherited, ...event.headers }));
  events.forEach((event, i) => {
    requireSendable(
      event,
      ids[i] as string,
      payloads[i] as string,
      headers[i] as Record<string, string>,
      maxEventBytes,
    );
  });
  await tx.query(INSERT_EVENTS, [
    ids,
    events.map((event) => event.aggregateType),
    events.map((event) => event.aggregateId),
    events.map((event) => event.eventType),
    events.map((event) => event.topic),
    payloads,
    headers.map((eventHeaders) => JSON.stringify(eventHeaders)),
    notify,
  ]);
  return ids;
}

// An event the broker would refuse can never be published: refuse it here, while the writer can
// still react (and before a statement, so the caller's transaction stays usable). Measured on the
// Kafka record the relay will build from the row. Kafka stores the payload as jsonb's text, which
// can differ from JSON.stringify's in whitespace only; the 48 KB margin under the broker limit covers it.
function requireSendable(
  event: OutboxEvent,
  eventId: string,
  payload: string,
  headers: Record<string, string>,
  maxEventBytes: number,
): void {
  const bytes = recordBytes(
    toKafkaMessage({
      id: '0',
      event_id: eventId,
      aggregate_type: event.aggregateType,
      aggregate_id: event.aggregateId,
      event_type: event.eventType,
      topic: event.topic,
      payload,
      headers,
    }),
  );
  if (bytes > maxEventBytes) {
    throw new OutboxError(
      'OUTBOX_EVENT_TOO_LARGE',
      `event for topic "${event.topic}" is ${bytes} bytes as a Kafka record; the limit is ${maxEventBytes}`,
    );
  }
}

// enqueue on a bare pool or an idle client would autocommit the event on its own: the dual write
// again, silently. node-postgres reports the protocol's transaction status ('I' = idle).
function assertInTransaction(tx: pg.ClientBase): void {
  const status = (tx as { getTransactionStatus?: () => string | null }).getTransactionStatus?.();
  if (status === 'I') {
    throw new OutboxError(
      'OUTBOX_NOT_IN_TRANSACTION',
      'enqueue needs a client inside BEGIN: the event must commit with the business rows',
    );
  }
  if (status === 'E') {
    throw new OutboxError('OUTBOX_NOT_IN_TRANSACTION', 'the transaction has already failed; roll it back');
  }
}

function toJson(payload: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (error) {
    throw new OutboxError('OUTBOX_INVALID_EVENT', `event.payload is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // JSON.stringify returns undefined for a function or a symbol.
  if (json === undefined) throw new OutboxError('OUTBOX_INVALID_EVENT', 'event.payload is not JSON');
  return json;
}

function validate(event: OutboxEvent): OutboxEvent {
  if (typeof event !== 'object' || event === null) {
    throw new OutboxError('OUTBOX_INVALID_EVENT', 'an event must be an object');
  }
  for (const field of ['topic', 'aggregateType', 'aggregateId', 'eventType'] as const) {
    if (typeof event[field] !== 'string' || event[field].length === 0) {
      throw new OutboxError('OUTBOX_INVALID_EVENT', `event.${field} must be a non-empty string`);
    }
  }
  if (!KAFKA_TOPIC.test(event.topic)) {
    throw new OutboxError(
      'OUTBOX_INVALID_EVENT',
      `event.topic "${event.topic}" is not a valid Kafka topic name`,
    );
  }
  if (event.payload === undefined) throw new OutboxError('OUTBOX_INVALID_EVENT', 'event.payload is required');
  if (event.eventId !== undefined && !UUID.test(event.eventId)) {
    throw new OutboxError('OUTBOX_INVALID_EVENT', 'event.eventId must be a UUID');
  }
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (typeof value !== 'string') {
      throw new OutboxError('OUTBOX_INVALID_EVENT', `header ${name} must be a string`);
    }
  }
  return event;
}
