// Checks for the options callers pass to the relay, the consumer and the replay, so a typo fails at
// once with OUTBOX_INVALID_OPTIONS instead of as a busy loop (pollIntervalMs: -1), a relay that never
// sends (sendTimeoutMs: NaN) or a KafkaJS error deep inside a running consumer.
import { OutboxError } from './errors.ts';

/** Kafka's own rule for topic names. */
export const KAFKA_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

function invalid(message: string): never {
  throw new OutboxError('OUTBOX_INVALID_OPTIONS', message);
}

export function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) invalid(`${name} must be a positive integer`);
}

export function requireNonNegativeInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) invalid(`${name} must be a non-negative integer`);
}

/** A duration in ms: finite and >= 0 (setTimeout would turn NaN or Infinity into 1 ms). */
export function requireDuration(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    invalid(`${name} must be a finite number of milliseconds >= 0`);
  }
}

export function requireNonEmptyString(name: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) invalid(`${name} must be a non-empty string`);
}

export function requireTopic(name: string, value: unknown): void {
  if (typeof value !== 'string' || !KAFKA_TOPIC.test(value)) {
    invalid(`${name} must be a valid Kafka topic name`);
  }
}

export function requireBackoff(name: string, value: { initialMs: number; maxMs: number }): void {
  requireDuration(`${name}.initialMs`, value?.initialMs);
  requireDuration(`${name}.maxMs`, value?.maxMs);
  if (value.initialMs <= 0 || value.maxMs < value.initialMs) {
    invalid(`${name} needs 0 < initialMs <= maxMs`);
  }
}

export function requirePresent(name: string, value: unknown): void {
  if (value === null || typeof value !== 'object') invalid(`${name} is required`);
}
