// Messages in Postgres. Every status change is one conditional UPDATE whose WHERE lists the
// statuses the move is legal from (domain/status.ts), so a late or repeated event (a redelivered
// job, a webhook that raced the worker, a replay) changes nothing instead of going backwards.
import type pg from 'pg';
import type { Category, Channel } from '../domain/channels.ts';
import type { QuietHours } from '../domain/preferences.ts';
import { fromMinutes } from '../domain/preferences.ts';
import { type Status, sourcesOf } from '../domain/status.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export type NewMessage = {
  id: string;
  requestId: string;
  userId: string;
  channel: Channel;
  category: Category;
  template: string;
  templateVersion: number;
  locale: string;
  recipient: string;
  subject: string;
  body: string;
  status: 'queued' | 'skipped';
  reason: string | null;
};

/** Inserts what is new; returns the ids inserted (a (request, channel, user) seen before is not). */
export async function insertMessages(db: Queryable, rows: readonly NewMessage[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const column = <K extends keyof NewMessage>(key: K) => rows.map((row) => row[key]);
  const { rows: inserted } = await db.query<{ id: string }>(
    `INSERT INTO messages (id, request_id, user_id, channel, category, template, template_version, locale,
                           recipient, subject, body, status, reason)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[],
                          $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
     ON CONFLICT (request_id, channel, user_id) DO NOTHING
     RETURNING id`,
    [
      column('id'),
      column('requestId'),
      column('userId'),
      column('channel'),
      column('category'),
      column('template'),
      column('templateVersion'),
      column('locale'),
      column('recipient'),
      column('subject'),
      column('body'),
      column('status'),
      column('reason'),
    ],
  );
  return new Set(inserted.map((row) => row.id));
}

export type DeliverableMessage = {
  id: string;
  userId: string;
  channel: Channel;
  category: Category;
  recipient: string;
  subject: string;
  body: string;
  status: Status;
  attempts: number;
  timezone: string;
  quietHours: QuietHours | null;
};

/** The message and its user's current quiet hours (read at send time, not at intake). */
export async function forDelivery(db: Queryable, id: string): Promise<DeliverableMessage | undefined> {
  const { rows } = await db.query<
    Omit<DeliverableMessage, 'quietHours'> & { quietStart: number | null; quietEnd: number | null }
  >(
    `SELECT m.id, m.user_id AS "userId", m.channel, m.category, m.recipient, m.subject, m.body, m.status, m.attempts,
            COALESCE(p.timezone, 'UTC') AS timezone, p.quiet_start AS "quietStart", p.quiet_end AS "quietEnd"
       FROM messages m LEFT JOIN user_preferences p ON p.user_id = m.user_id
      WHERE m.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { quietStart, quietEnd, ...message } = row;
  return {
    ...message,
    quietHours:
      quietStart === null || quietEnd === null
        ? null
        : { start: fromMinutes(quietStart), end: fromMinutes(quietEnd) },
  };
}

/** Moves a message to `to` if that is legal from where it is; true when it moved. */
export async function moveStatus(
  db: Queryable,
  id: string,
  to: Status,
  fields: { provider?: string; reason?: string; attempts?: number } = {},
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE messages
        SET status = $2, updated_at = now(),
            provider = COALESCE($4, provider), reason = COALESCE($5, reason), attempts = COALESCE($6, attempts),
            sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END
      WHERE id = $1 AND status = ANY($3::text[])`,
    [id, to, sourcesOf(to), fields.provider ?? null, fields.reason ?? null, fields.attempts ?? null],
  );
  return (rowCount ?? 0) > 0;
}

/** A failed attempt that will be retried: the status stays queued. */
export async function recordAttempt(
  db: Queryable,
  id: string,
  attempts: number,
  reason: string,
): Promise<void> {
  await db.query(
    `UPDATE messages SET attempts = $2, reason = $3, updated_at = now() WHERE id = $1 AND status = 'queued'`,
    [id, attempts, reason],
  );
}

export async function countsByStatus(
  db: Queryable,
  requestId: string,
): Promise<Partial<Record<Status, number>>> {
  const { rows } = await db.query<{ status: Status; n: number }>(
    'SELECT status, count(*)::int AS n FROM messages WHERE request_id = $1 GROUP BY status',
    [requestId],
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/** A webhook's effect, in the caller's transaction: the status move and, on a hard bounce, suppression. */
export async function applyDeliveryReport(
  tx: Queryable,
  report: { messageId: string; type: 'delivered' | 'bounced'; hard: boolean; provider: string },
): Promise<boolean> {
  const { rows } = await tx.query<{ channel: Channel; recipient: string }>(
    `UPDATE messages SET status = $2, updated_at = now(), provider = COALESCE(provider, $4),
            sent_at = COALESCE(sent_at, now())
      WHERE id = $1 AND status = ANY($3::text[]) RETURNING channel, recipient`,
    [report.messageId, report.type, sourcesOf(report.type), report.provider],
  );
  const moved = rows[0];
  if (moved && report.type === 'bounced' && report.hard) {
    await tx.query(
      `INSERT INTO suppressions (channel, address, reason) VALUES ($1, $2, 'hard_bounce') ON CONFLICT DO NOTHING`,
      [moved.channel, moved.recipient],
    );
  }
  return moved !== undefined;
}
