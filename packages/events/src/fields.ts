// Field schemas shared by several events, each with the bound that keeps one event small. Every
// string has a maximum: an event is stored (outbox row, Kafka log, DLQ) and may be replayed, so an
// unbounded field is an unbounded cost paid several times over.
import { z } from 'zod';

/** A user id as the lab's JWTs carry it in `sub`. */
export const userId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._@:-]+$/);

/** A short code or custom alias of the URL shortener. */
export const shortCode = z
  .string()
  .min(3)
  .max(32)
  .regex(/^[A-Za-z0-9_-]+$/);

/** An RFC 3339 timestamp with a zone, as `Date.prototype.toISOString` writes it. */
export const timestamp = z.iso.datetime({ offset: true });

/** An id the producer made up; opaque to consumers. */
export const opaqueId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);

/** A W3C trace context `traceparent` (version 00, lower-case hex), as OpenTelemetry writes it. */
export const traceparent = z.string().regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
