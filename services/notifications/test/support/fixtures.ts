// Test data written straight to the service's tables (fast and exact), and a wait for messages to
// reach a status: the tests drive the real intake and delivery; only the set-up skips the API.
import { waitUntil } from '@lab/testkit';
import pg from 'pg';

export async function withPool<T>(url: string, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** `count` users `<prefix>-00001...` with email, phone and push token, optional preferences. */
export async function insertUsers(
  pool: pg.Pool,
  prefix: string,
  count: number,
  options: { timezone?: string; quiet?: [number, number]; marketingSms?: boolean; segment?: string } = {},
): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO user_contacts (user_id, email, phone, push_token)
     SELECT $1 || '-' || lpad(i::text, 5, '0'), $1 || i || '@example.test', '+1415' || lpad(i::text, 7, '0'), 'tok-' || $1 || i
       FROM generate_series(1, $2) AS i
     RETURNING user_id AS id`,
    [prefix, count],
  );
  const ids = rows.map((row) => row.id);
  await pool.query(
    `INSERT INTO user_preferences (user_id, timezone, quiet_start, quiet_end, channels)
     SELECT u, $2, $3, $4, $5 FROM unnest($1::text[]) AS u`,
    [
      ids,
      options.timezone ?? 'UTC',
      options.quiet?.[0] ?? null,
      options.quiet?.[1] ?? null,
      JSON.stringify({ marketing: { email: true, sms: options.marketingSms ?? false, push: false } }),
    ],
  );
  if (options.segment) {
    await pool.query(`INSERT INTO segments (name) VALUES ($1) ON CONFLICT DO NOTHING`, [options.segment]);
    await pool.query(
      `INSERT INTO segment_members (segment, user_id) SELECT $1, u FROM unnest($2::text[]) AS u`,
      [options.segment, ids],
    );
  }
  return ids;
}

export async function insertTemplate(
  pool: pg.Pool,
  name: string,
  content: object,
  locale = 'en',
): Promise<void> {
  await pool.query(
    `INSERT INTO templates (name, locale, version, content)
     SELECT $1, $2, COALESCE(max(version), 0) + 1, $3 FROM templates WHERE name = $1 AND locale = $2`,
    [name, locale, JSON.stringify(content)],
  );
}

export async function statusCounts(pool: pg.Pool, requestId: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM messages WHERE request_id = $1 GROUP BY status',
    [requestId],
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/** Waits until every message of the request is in one of `statuses`, and returns the counts. */
export async function settle(
  pool: pg.Pool,
  requestId: string,
  statuses: string[],
  options: { timeoutMs?: number; expected?: number } = {},
): Promise<Record<string, number>> {
  let counts: Record<string, number> = {};
  await waitUntil(
    async () => {
      counts = await statusCounts(pool, requestId);
      const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
      const done = Object.entries(counts).every(([status, n]) => n === 0 || statuses.includes(status));
      return total > 0 && done && (options.expected === undefined || total === options.expected);
    },
    {
      timeoutMs: options.timeoutMs ?? 60_000,
      intervalMs: 100,
      message: `request ${requestId} settles in ${statuses}`,
    },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last counts ${JSON.stringify(counts)}`);
  });
  return counts;
}

/**
 * The priority scenario shared by the isolation test and the benchmark: a `promo` marketing email
 * and an `auth.otp` code, `blastSize` users in segment `everyone`, and one more user for the codes.
 */
export async function preparePriorityScenario(
  pool: pg.Pool,
  blastSize: number,
): Promise<{ otpUser: string }> {
  await insertTemplate(pool, 'promo', { email: { subject: 'Sale', body: 'Sale {{pct}}%' } });
  await insertTemplate(pool, 'auth.otp', { email: { subject: 'Code', body: 'Code {{code}}' } });
  await insertUsers(pool, 'blast', blastSize, { segment: 'everyone' });
  const [otpUser] = await insertUsers(pool, 'otp', 1);
  return { otpUser: otpUser as string };
}

type Caller = (
  method: string,
  path: string,
  options: { token: string; body: unknown },
) => Promise<{ body: Record<string, unknown> }>;

/** The marketing blast to segment `everyone`; returns its event id and how many were queued. */
export async function sendBlast(call: Caller, token: string): Promise<{ eventId: string; queued: unknown }> {
  const eventId = crypto.randomUUID();
  const body = { eventId, segment: 'everyone', category: 'marketing', template: 'promo', data: { pct: 30 } };
  const accepted = await call('POST', '/v1/notifications', { token, body });
  return { eventId, queued: accepted.body.queued };
}

/** One one-time code (transactional email) to `userId`; returns its event id. */
export async function sendCode(call: Caller, token: string, userId: string): Promise<string> {
  const eventId = crypto.randomUUID();
  const body = {
    eventId,
    userIds: [userId],
    category: 'transactional',
    template: 'auth.otp',
    data: { code: '424242' },
  };
  await call('POST', '/v1/notifications', { token, body });
  return eventId;
}
