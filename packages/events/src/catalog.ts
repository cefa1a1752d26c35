// Every event that crosses a service boundary in the lab, one versioned contract each. This file
// is the single place producers and consumers take them from; `schemas/*.json` is the same set as
// JSON Schema (2020-12) for readers and non-TypeScript tools, generated from here and kept in step
// by a test (`npm run schemas -w @lab/events` rewrites them).
import { z } from 'zod';
import { defineEvent } from './contract.ts';
import { boundedText, opaqueId, shortCode, timestamp, traceparent, userId } from './fields.ts';

/** A short link was created (through the outbox, with the row). */
export const urlCreated = defineEvent({
  topic: 'url.created',
  version: 1,
  aggregateType: 'url',
  producers: ['url-shortener'],
  schema: z.strictObject({
    code: shortCode,
    url: z.url({ protocol: /^https?$/ }).max(2048),
    ownerId: userId,
    createdAt: timestamp,
    expiresAt: timestamp.nullable(),
  }),
  keyOf: (event) => event.code,
});

/** A short link was deleted by its owner (through the outbox). */
export const urlDeleted = defineEvent({
  topic: 'url.deleted',
  version: 1,
  aggregateType: 'url',
  producers: ['url-shortener'],
  schema: z.strictObject({ code: shortCode, ownerId: userId, deletedAt: timestamp }),
  keyOf: (event) => event.code,
});

/** One click inside a url.clicked batch. */
const click = z.strictObject({
  code: shortCode,
  clickedAt: timestamp,
  visitorId: z.string().regex(/^[0-9a-f]{16,64}$/),
  referrer: boundedText.nullable(),
  userAgent: boundedText.nullable(),
  /** The W3C traceparent of the redirect that served the click; null when it ran in no trace. */
  traceparent: traceparent.nullable(),
});

/** Most clicks in one url.clicked batch: a batch stays well under Kafka's 1 MB default message. */
export const MAX_CLICKS_PER_BATCH = 1_000;

/**
 * Redirects were served: a batch of clicks, one Kafka message per batch (v1 was one message per
 * click, which cost the redirect's process ~10 µs of record encoding per click). Best-effort
 * (buffered, dropped while Kafka is down), so consumers must tolerate gaps. `batchId` is also the
 * `event-id`, kept when a batch is resent, so a consumer counts a batch once. Keyed by batch:
 * batches spread over partitions, and no consumer needs one code's clicks in order. `visitorId` is
 * a keyed hash, never the raw address: analytics need "same visitor", not who the visitor is.
 */
export const urlClicked = defineEvent({
  topic: 'url.clicked',
  version: 2,
  aggregateType: 'click-batch',
  producers: ['url-shortener'],
  schema: z.strictObject({
    batchId: opaqueId,
    clicks: z.array(click).min(1).max(MAX_CLICKS_PER_BATCH),
  }),
  keyOf: (event) => event.batchId,
});

/** A post was published (through the outbox); the feed's fan-out worker consumes it. */
export const postCreated = defineEvent({
  topic: 'post.created',
  version: 1,
  aggregateType: 'user',
  producers: ['feed'],
  schema: z.strictObject({ postId: opaqueId, authorId: userId, createdAt: timestamp }),
  // Keyed by author, not post: one author's posts stay in order, which fan-out relies on.
  keyOf: (event) => event.authorId,
});

/** A post was deleted: its timelines entries are dropped. */
export const postDeleted = defineEvent({
  topic: 'post.deleted',
  version: 1,
  aggregateType: 'user',
  producers: ['feed'],
  schema: z.strictObject({ postId: opaqueId, authorId: userId, deletedAt: timestamp }),
  keyOf: (event) => event.authorId,
});

export const NOTIFICATION_CHANNELS = ['email', 'sms', 'push'] as const;
export const NOTIFICATION_CATEGORIES = ['transactional', 'marketing'] as const;

/** Template variables: flat, few and short, so a template cannot be made to carry a payload. */
const templateData = z
  .record(
    z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/),
    z.union([z.string().max(1024), z.number(), z.boolean()]),
  )
  .refine((data) => Object.keys(data).length <= 32, 'at most 32 template variables')
  .meta({ maxProperties: 32 });

/**
 * Another service asks the notifications service to tell one user something. Published through
 * the producer's outbox, keyed by the recipient. `requestId` is the dedupe key: the notifications
 * service sends at most once per (requestId, channel, user), however often the event is delivered.
 */
export const notificationRequested = defineEvent({
  topic: 'notification.requested',
  version: 1,
  aggregateType: 'user',
  producers: ['url-shortener', 'feed'],
  schema: z.strictObject({
    requestId: z.uuid(),
    userId,
    category: z.enum(NOTIFICATION_CATEGORIES),
    template: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9._-]*$/),
    data: templateData,
    channels: z.array(z.enum(NOTIFICATION_CHANNELS)).min(1).max(3).optional(),
    /** Which service asked, for logs and metrics (a bounded label set: the lab's service names). */
    source: z.enum(['url-shortener', 'feed', 'notifications']),
  }),
  keyOf: (event) => event.userId,
});

/** Every contract, for tools (schema generation, topic checks) that need the whole list. */
export const ALL_EVENTS = [
  urlCreated,
  urlDeleted,
  urlClicked,
  postCreated,
  postDeleted,
  notificationRequested,
] as const;

/** The topics a service must create at start-up: those of the events it produces. */
export function topicsProducedBy(service: string): string[] {
  return ALL_EVENTS.filter((event) => event.producers.includes(service)).map((event) => event.topic);
}
