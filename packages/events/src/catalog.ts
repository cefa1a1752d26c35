// Every event that crosses a service boundary in the lab, one versioned contract each. This file
// is the single place producers and consumers take them from; `schemas/*.json` is the same set as
// JSON Schema (2020-12) for readers and non-TypeScript tools, generated from here and kept in step
// by a test (`npm run schemas -w @lab/events` rewrites them).
import { z } from 'zod';
import { defineEvent } from './contract.ts';
import { opaqueId, shortCode, timestamp, traceparent, userId } from './fields.ts';

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

/** The browser families a click's user agent is reduced to: a fixed, bounded set. */
export const USER_AGENT_FAMILIES = [
  'bot',
  'curl',
  'edge',
  'opera',
  'chrome',
  'firefox',
  'safari',
  'other',
  '(none)',
] as const;

/** Most rollups in one url.clicked batch. */
export const MAX_ROLLUPS_PER_BATCH = 1_000;
/** Most visitor ids in one url.clicked batch (~19 bytes each in the JSON: ~380 KB). */
export const MAX_VISITORS_PER_BATCH = 20_000;
/** Most referrer hosts one rollup names; the producer counts the rest under '(other)'. */
export const MAX_REFERRER_HOSTS_PER_ROLLUP = 32;
/** Most traced clicks one rollup keeps (traces are sampled: a handful a second). */
export const MAX_TRACED_PER_ROLLUP = 16;

const clickCount = z.number().int().min(1).max(1_000_000_000);

/**
 * One link's clicks on one day, summed by the redirecting process over a flush window. A rollup
 * with `clicks: 0` is the continuation of one whose visitors did not fit in one batch: it carries
 * visitor ids only.
 */
const clickRollup = z
  .strictObject({
    code: shortCode,
    day: z.iso.date(),
    clicks: z.number().int().min(0).max(1_000_000_000),
    /** Referrer host (lower case), '(direct)', '(invalid)' or '(other)', with its clicks. */
    referrers: z
      .array(
        z.strictObject({
          host: z.string().min(1).max(253).regex(/^\S+$/),
          clicks: clickCount,
        }),
      )
      .max(MAX_REFERRER_HOSTS_PER_ROLLUP + 1),
    agents: z
      .array(z.strictObject({ family: z.enum(USER_AGENT_FAMILIES), clicks: clickCount }))
      .max(USER_AGENT_FAMILIES.length),
    /** Distinct visitors: keyed hashes of address and user agent, never the address. */
    visitors: z.array(z.string().regex(/^[0-9a-f]{16,64}$/)).max(MAX_VISITORS_PER_BATCH),
    /**
     * The clicks served in a trace: `ordinal` is the click's position among this rollup's clicks
     * (1-based), so a consumer knows which redirect's trace crossed a milestone.
     */
    traced: z.array(z.strictObject({ ordinal: clickCount, traceparent })).max(MAX_TRACED_PER_ROLLUP),
  })
  .refine(
    (rollup) =>
      rollup.clicks > 0 ||
      (rollup.referrers.length === 0 && rollup.agents.length === 0 && rollup.traced.length === 0),
    'a rollup without clicks carries visitors only',
  )
  .refine(
    (rollup) => rollup.traced.every((entry) => entry.ordinal <= rollup.clicks),
    "a traced ordinal is one of the rollup's clicks",
  );

/**
 * Redirects were served, summed: one message carries up to 1,000 rollups, one per link and day, of
 * the clicks one process served in a flush window (v1 was a message per click, v2 a record per
 * click in a batch; each cost the redirecting process more CPU than the redirect itself, see the
 * URL shortener's README). Best-effort (held in memory, dropped while Kafka is away beyond a
 * bound), so consumers must tolerate gaps. `batchId` is also the `event-id`, kept when a batch is
 * resent, so a consumer counts a batch once. Keyed by batch: batches spread over partitions, and
 * no consumer needs one link's clicks in order. Visitors travel as keyed hashes, never addresses:
 * analytics need "same visitor", not who the visitor is.
 */
export const urlClicked = defineEvent({
  topic: 'url.clicked',
  version: 3,
  aggregateType: 'click-batch',
  producers: ['url-shortener'],
  schema: z
    .strictObject({
      batchId: opaqueId,
      rollups: z.array(clickRollup).min(1).max(MAX_ROLLUPS_PER_BATCH),
    })
    .refine(
      (batch) =>
        batch.rollups.reduce((sum, rollup) => sum + rollup.visitors.length, 0) <= MAX_VISITORS_PER_BATCH,
      `at most ${MAX_VISITORS_PER_BATCH} visitor ids in one batch`,
    ),
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
