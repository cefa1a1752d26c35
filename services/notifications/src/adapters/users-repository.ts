// Contacts and preferences in Postgres, and the batch read intake needs: for a page of user ids,
// each user's contacts, preferences and which of their addresses are suppressed, in one query.
import type pg from 'pg';
import type { Category, Channel } from '../domain/channels.ts';
import {
  DEFAULT_PREFERENCES,
  fromMinutes,
  type Preferences,
  toMinutes,
  withDefaults,
} from '../domain/preferences.ts';
import type { Contacts } from '../domain/routing.ts';

type Queryable = Pick<pg.Pool, 'query'>;
type StoredChannels = Partial<Record<Category, Partial<Record<Channel, boolean>>>>;

export type Recipient = { contacts: Contacts; preferences: Preferences; suppressed: Set<string> };

type PreferencesRow = {
  timezone: string;
  locale: string;
  quiet_start: number | null;
  quiet_end: number | null;
  channels: StoredChannels;
};

function toPreferences(row: PreferencesRow | undefined): Preferences {
  if (!row) return { ...DEFAULT_PREFERENCES, categories: withDefaults({}) };
  return {
    timezone: row.timezone,
    locale: row.locale,
    quietHours:
      row.quiet_start === null || row.quiet_end === null
        ? null
        : { start: fromMinutes(row.quiet_start), end: fromMinutes(row.quiet_end) },
    categories: withDefaults(row.channels),
  };
}

export async function getContacts(db: Queryable, userId: string): Promise<Contacts | undefined> {
  const { rows } = await db.query<{ email: string | null; phone: string | null; push_token: string | null }>(
    'SELECT email, phone, push_token FROM user_contacts WHERE user_id = $1',
    [userId],
  );
  const row = rows[0];
  return row ? { email: row.email, phone: row.phone, pushToken: row.push_token } : undefined;
}

export async function putContacts(db: Queryable, userId: string, contacts: Contacts): Promise<void> {
  await db.query(
    `INSERT INTO user_contacts (user_id, email, phone, push_token) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id) DO UPDATE SET email = $2, phone = $3, push_token = $4, updated_at = now()`,
    [userId, contacts.email, contacts.phone, contacts.pushToken],
  );
}

export async function getPreferences(db: Queryable, userId: string): Promise<Preferences> {
  const { rows } = await db.query<PreferencesRow>(
    'SELECT timezone, locale, quiet_start, quiet_end, channels FROM user_preferences WHERE user_id = $1',
    [userId],
  );
  return toPreferences(rows[0]);
}

export async function putPreferences(db: Queryable, userId: string, preferences: Preferences): Promise<void> {
  const quiet = preferences.quietHours;
  await db.query(
    `INSERT INTO user_preferences (user_id, timezone, locale, quiet_start, quiet_end, channels)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (user_id) DO UPDATE SET timezone = $2, locale = $3, quiet_start = $4, quiet_end = $5,
       channels = $6, updated_at = now()`,
    [
      userId,
      preferences.timezone,
      preferences.locale,
      quiet ? toMinutes(quiet.start) : null,
      quiet ? toMinutes(quiet.end) : null,
      JSON.stringify(preferences.categories),
    ],
  );
}

/** Everything routing needs for a page of users (missing users come back with no contacts). */
export async function loadRecipients(
  db: Queryable,
  userIds: readonly string[],
): Promise<Map<string, Recipient>> {
  const { rows } = await db.query<
    PreferencesRow & {
      user_id: string;
      email: string | null;
      phone: string | null;
      push_token: string | null;
      suppressed: string[];
    }
  >(
    `SELECT u.user_id, c.email, c.phone, c.push_token,
            p.timezone, p.locale, p.quiet_start, p.quiet_end, p.channels, p.user_id IS NOT NULL AS has_prefs,
            ARRAY(SELECT s.channel || ':' || s.address FROM suppressions s
                  WHERE (s.channel = 'email' AND s.address = c.email)
                     OR (s.channel = 'sms' AND s.address = c.phone)
                     OR (s.channel = 'push' AND s.address = c.push_token)) AS suppressed
       FROM unnest($1::text[]) AS u(user_id)
       LEFT JOIN user_contacts c ON c.user_id = u.user_id
       LEFT JOIN user_preferences p ON p.user_id = u.user_id`,
    [userIds],
  );
  const result = new Map<string, Recipient>();
  for (const row of rows) {
    const hasPrefs = (row as unknown as { has_prefs: boolean }).has_prefs;
    result.set(row.user_id, {
      contacts: { email: row.email, phone: row.phone, pushToken: row.push_token },
      preferences: toPreferences(hasPrefs ? row : undefined),
      suppressed: new Set(row.suppressed),
    });
  }
  return result;
}
