// Intake: one notification request (from HTTP or from a `notification.requested` event) becomes
// one message per (user, channel) that routing allows, written with its outbox event in the
// caller's transaction. The unique (request, channel, user) constraint makes a repeat of the
// same request create nothing new, whichever door it came through.
//
// Audiences are expanded a page at a time (AUDIENCE_PAGE users: one read of contacts, preferences
// and suppressions, one insert of messages, one insert of outbox rows), so a segment of any size
// costs the memory of one page. Rendering is done once per (locale, channel) per request: the
// data is the request's, not the user's.
import { randomUUID } from 'node:crypto';
import { enqueueMany, type OutboxEvent } from '@lab/outbox';
import type pg from 'pg';
import { type Category, type Channel, priorityOf, type RoutingMode, topicFor } from '../domain/channels.ts';
import type { DeliveryJob } from '../domain/job.ts';
import { route } from '../domain/routing.ts';
import { pickLocale, render, type TemplateData, TemplateError } from '../domain/templates.ts';
import { insertMessages, type NewMessage } from './messages-repository.ts';
import { memberPage } from './segments-repository.ts';
import { latestVersions, type TemplateVersion } from './templates-repository.ts';
import { loadRecipients } from './users-repository.ts';

export const AUDIENCE_PAGE = 500;

export type NotificationRequest = {
  eventId: string;
  category: Category;
  template: string;
  data: TemplateData;
  channels?: Channel[] | undefined;
  /** Trace headers to store with each outbox row (the trace crosses Kafka with the job). */
  traceHeaders: Record<string, string>;
};

export type Audience = { userIds: readonly string[] } | { segment: string };

export type IntakeResult = { queued: number; skipped: number; duplicates: number };

export type IntakeOptions = { topicPrefix: string; routingMode: RoutingMode };

async function* pages(tx: pg.PoolClient, audience: Audience): AsyncGenerator<readonly string[]> {
  if ('userIds' in audience) {
    for (let i = 0; i < audience.userIds.length; i += AUDIENCE_PAGE)
      yield audience.userIds.slice(i, i + AUDIENCE_PAGE);
    return;
  }
  let after = '';
  for (;;) {
    const page = await memberPage(tx, audience.segment, after, AUDIENCE_PAGE);
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1] as string;
  }
}

type Rendered = { version: TemplateVersion; subject: string; body: string };

/**
 * Renders once per (locale, channel) within one request; undefined when the template has no text
 * for that channel (a template may be email-only), which skips the channel.
 */
function renderer(request: NotificationRequest, versions: Map<string, TemplateVersion>) {
  const cache = new Map<string, Rendered | undefined>();
  return (wantedLocale: string, channel: Channel): Rendered | undefined => {
    const key = `${wantedLocale}:${channel}`;
    if (!cache.has(key)) {
      // The fallback is per channel: a German email-only version still leaves SMS to English.
      const withChannel = [...versions.values()].filter((v) => v.content[channel]).map((v) => v.locale);
      const locale = pickLocale(withChannel, wantedLocale) ?? withChannel[0];
      const version = locale === undefined ? undefined : (versions.get(locale) as TemplateVersion);
      cache.set(key, version && { version, ...render(version.content, channel, request.data) });
    }
    return cache.get(key);
  };
}

function outboxEventFor(
  message: NewMessage,
  request: NotificationRequest,
  options: IntakeOptions,
): OutboxEvent {
  const job: DeliveryJob = { messageId: message.id, attempt: 1 };
  return {
    topic: topicFor(options.topicPrefix, message.channel, priorityOf(request.category), options.routingMode),
    aggregateType: 'user',
    aggregateId: message.userId,
    eventType: 'notify.delivery.v1',
    payload: job,
    headers: request.traceHeaders,
    eventId: message.id,
  };
}

export async function acceptRequest(
  tx: pg.PoolClient,
  request: NotificationRequest,
  audience: Audience,
  options: IntakeOptions,
): Promise<IntakeResult> {
  const versions = await latestVersions(tx, request.template);
  if (versions.size === 0)
    throw new TemplateError('TEMPLATE_NOT_FOUND', `there is no template "${request.template}"`);
  const rendered = renderer(request, versions);
  await tx.query(
    'INSERT INTO requests (event_id, category, template) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING',
    [request.eventId, request.category, request.template],
  );
  const result: IntakeResult = { queued: 0, skipped: 0, duplicates: 0 };
  for await (const userIds of pages(tx, audience)) {
    const recipients = await loadRecipients(tx, userIds);
    const rows: NewMessage[] = [];
    for (const userId of userIds) {
      const recipient = recipients.get(userId);
      if (!recipient) continue;
      const routes = route({ category: request.category, requested: request.channels, ...recipient });
      for (const decided of routes) {
        const text = rendered(recipient.preferences.locale, decided.channel);
        if (!text || ('skipped' in decided && decided.skipped !== 'suppressed')) {
          result.skipped += 1;
          continue;
        }
        rows.push({
          id: randomUUID(),
          requestId: request.eventId,
          userId,
          channel: decided.channel,
          category: request.category,
          template: request.template,
          templateVersion: text.version.version,
          locale: text.version.locale,
          recipient: 'recipient' in decided ? decided.recipient : '',
          subject: text.subject,
          body: text.body,
          status: 'recipient' in decided ? 'queued' : 'skipped',
          reason: 'recipient' in decided ? null : 'suppressed',
        });
      }
    }
    const inserted = await insertMessages(tx, rows);
    const queued = rows.filter((row) => inserted.has(row.id) && row.status === 'queued');
    result.duplicates += rows.length - inserted.size;
    result.skipped += rows.filter((row) => inserted.has(row.id) && row.status === 'skipped').length;
    result.queued += queued.length;
    // Postgres folds the NOTIFYs of one transaction into one, so the relay wakes once per request.
    await enqueueMany(
      tx,
      queued.map((row) => outboxEventFor(row, request, options)),
    );
  }
  return result;
}
