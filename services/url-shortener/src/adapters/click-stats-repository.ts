// The click aggregator's tables: per-day counts, referrer hosts, user-agent families, the running
// total and the milestones. Writes take the consumer's transaction (the one that records the
// event as processed), so a click is counted exactly once however often Kafka delivers it.
import type pg from 'pg';

// Past this many distinct referrer hosts a link's new hosts are counted under '(other)': a bot
// sending random Referer headers cannot grow the table by one row per request.
export const MAX_REFERRER_HOSTS_PER_LINK = 200;

export type ClickRecord = { code: string; day: string; referrerHost: string; agentFamily: string };

/** Counts one click; returns the link's total before and after, or undefined for an unknown code. */
export async function recordClick(
  tx: pg.ClientBase,
  click: ClickRecord,
): Promise<{ ownerId: string; before: number; after: number } | undefined> {
  const { rows } = await tx.query<{ owner_id: string; clicks: string }>(
    'UPDATE links SET clicks = clicks + 1 WHERE code = $1 RETURNING owner_id, clicks',
    [click.code],
  );
  const link = rows[0];
  if (!link) return undefined;
  await tx.query(
    `INSERT INTO click_daily (code, day, clicks) VALUES ($1, $2, 1)
     ON CONFLICT (code, day) DO UPDATE SET clicks = click_daily.clicks + 1`,
    [click.code, click.day],
  );
  await tx.query(
    `INSERT INTO click_referrers (code, host, clicks)
     SELECT $1, CASE WHEN EXISTS (SELECT 1 FROM click_referrers WHERE code = $1 AND host = $2)
                       OR (SELECT count(*) FROM click_referrers WHERE code = $1) < $3
                     THEN $2 ELSE '(other)' END, 1
     ON CONFLICT (code, host) DO UPDATE SET clicks = click_referrers.clicks + 1`,
    [click.code, click.referrerHost, MAX_REFERRER_HOSTS_PER_LINK],
  );
  await tx.query(
    `INSERT INTO click_agents (code, family, clicks) VALUES ($1, $2, 1)
     ON CONFLICT (code, family) DO UPDATE SET clicks = click_agents.clicks + 1`,
    [click.code, click.agentFamily],
  );
  const after = Number(link.clicks);
  return { ownerId: link.owner_id, before: after - 1, after };
}

/** True when this call recorded the milestone (false: it was reached before). */
export async function claimMilestone(tx: pg.ClientBase, code: string, milestone: number): Promise<boolean> {
  const { rowCount } = await tx.query(
    'INSERT INTO link_milestones (code, milestone) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [code, milestone],
  );
  return rowCount === 1;
}

export type LinkStats = {
  totalClicks: number;
  daily: { day: string; clicks: number }[];
  topReferrers: { host: string; clicks: number }[];
  topUserAgents: { family: string; clicks: number }[];
};

export async function readStats(pool: pg.Pool, code: string, days: number): Promise<LinkStats> {
  const [total, daily, referrers, agents] = await Promise.all([
    pool.query<{ clicks: string }>('SELECT clicks FROM links WHERE code = $1', [code]),
    pool.query<{ day: string; clicks: string }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, clicks FROM click_daily
        WHERE code = $1 AND day > current_date - $2::int ORDER BY day`,
      [code, days],
    ),
    pool.query<{ host: string; clicks: string }>(
      'SELECT host, clicks FROM click_referrers WHERE code = $1 ORDER BY clicks DESC, host LIMIT 10',
      [code],
    ),
    pool.query<{ family: string; clicks: string }>(
      'SELECT family, clicks FROM click_agents WHERE code = $1 ORDER BY clicks DESC, family LIMIT 10',
      [code],
    ),
  ]);
  return {
    totalClicks: Number(total.rows[0]?.clicks ?? 0),
    daily: daily.rows.map((r) => ({ day: r.day, clicks: Number(r.clicks) })),
    topReferrers: referrers.rows.map((r) => ({ host: r.host, clicks: Number(r.clicks) })),
    topUserAgents: agents.rows.map((r) => ({ family: r.family, clicks: Number(r.clicks) })),
  };
}
