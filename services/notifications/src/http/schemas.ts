// Request bodies and path parameters, validated with zod at the edge (a ZodError becomes a 400
// problem with field errors). The bounds are the API's promises, mirrored in openapi.yaml.
import { notificationRequested } from '@lab/events';
import { z } from '@lab/service-kit';
import { CATEGORIES, CHANNELS } from '../domain/channels.ts';

export const MAX_USER_IDS = 1_000;

/**
 * The IANA zones this runtime knows, as an enum: openapi.yaml lists the same values (a test keeps
 * them equal), so a schema-valid zone is always one the service accepts.
 */
export const TIME_ZONES = [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])].sort() as [
  string,
  ...string[],
];

/** Free text that Postgres can store: no NUL character (text and jsonb refuse it). */
const text = () => z.string().refine((value) => !value.includes('\u0000'), 'no NUL characters');

export const userId = notificationRequested.schema.shape.userId;
export const templateName = notificationRequested.schema.shape.template;
export const templateData = notificationRequested.schema.shape.data;
export const segmentName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, '1-64 lowercase letters, digits, ".", "_" or "-"');
export const locale = z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'a locale such as "en" or "pt-BR"');

export const contactsBody = z
  .object({
    email: z.email().max(254).nullable().default(null),
    phone: z
      .string()
      .regex(/^\+[1-9][0-9]{6,14}$/, 'an E.164 number such as +14155550100')
      .nullable()
      .default(null),
    pushToken: text().min(1).max(256).nullable().default(null),
  })
  .strict();

const time = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'HH:MM, 24-hour');
const channelSwitches = z
  .object({ email: z.boolean(), sms: z.boolean(), push: z.boolean() })
  .partial()
  .strict();

export const preferencesBody = z
  .object({
    timezone: z.enum(TIME_ZONES, 'an IANA time zone such as "Europe/Berlin"').default('UTC'),
    locale: locale.default('en'),
    quietHours: z.object({ start: time, end: time }).strict().nullable().default(null),
    categories: z
      .object({ transactional: channelSwitches, marketing: channelSwitches })
      .partial()
      .strict()
      .default({}),
  })
  .strict();

const channelText = z
  .object({ subject: text().max(200).optional(), body: text().min(1).max(20_000) })
  .strict();

export const templateBody = z
  .object({ email: channelText, sms: channelText, push: channelText })
  .partial()
  .strict()
  .refine((content) => Object.keys(content).length > 0, 'give the text for at least one channel');

export const segmentBody = z.object({ description: text().max(500).default('') }).strict();

export const membersBody = z.object({ userIds: z.array(userId).min(1).max(MAX_USER_IDS) }).strict();

export const notificationBody = z
  .object({
    eventId: z.uuid(),
    userIds: z
      .array(userId)
      .min(1)
      .max(MAX_USER_IDS, `at most ${MAX_USER_IDS} userIds per request; use a segment for more`)
      .optional(),
    segment: segmentName.optional(),
    category: z.enum(CATEGORIES),
    template: templateName,
    data: templateData.default({}),
    channels: z.array(z.enum(CHANNELS)).min(1).max(3).optional(),
  })
  .strict()
  .refine((body) => (body.userIds === undefined) !== (body.segment === undefined), {
    message: 'give exactly one of "userIds" or "segment"',
    path: ['userIds'],
  });
