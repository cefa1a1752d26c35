// The click aggregator's tables: per-day counts, referrer hosts, user-agent families, the running
// total and the milestones. Writes take the consumer's transaction (the one that records the
// batch's event id as processed), so a batch is counted exactly once however often Kafka delivers
// it. A batch is written with one set-based statement per table (arrays through `unnest`), after
// locking its links' rows in code order: two consumers whose batches share codes queue on the
// first shared row instead of deadlocking, and every later row of a code is written under its
// link's lock (which also keeps the referrer bound exact).
import type pg from 'pg';
import type { ClickTally, CountRow } from '../domain/click-tally.ts';

// Past this many distinct referrer hosts a link's new hosts are counted under '(other)': a bot
// sending random Referer headers cannot grow the table by one row per request.
export const MAX_REFERRER_HOSTS_PER_LINK = 200;

export type CountedLink = { code: string; ownerId: string; before: number; after: number };

// Locks in code order (the Sort runs below the row locks), then adds each code's clicks.
const LOCK_LINKS = 'SELECT code FROM links WHERE code = ANY($1::text[]) ORDER BY code FOR NO KEY UPDATE';
const ADD_TOTALS = `
  UPDATE links SET clicks = links.clicks + b.clicks
    FROM unnest($1::text[], $2::bigint[]) AS b(code, clicks)
   WHERE links.code = b.code
  RETURNING links.code, links.owner_id, links.clicks`;
const ADD_DAILY = `
  INSERT INTO click_daily (code, day, clicks)
  SELECT * FROM unnest($1::text[], $2::date[], $3::bigint[])
  ON CONFLICT (code, day) DO UPDATE SET clicks = click_daily.clicks + EXCLUDED.clicks`;
const ADD_AGENTS = `
  INSERT INTO click_agents (code, family, clicks)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
  ON CONFLICT (code, family) DO UPDATE SET clicks = click_agents.clicks + EXCLUDED.clicks`;
// A host the link already has is counted under itself; new hosts are admitted, most clicked first,
// while the link has fewer than $4 hosts, and the rest counted under '(other)'.
const ADD_REFERRERS = `
  WITH batch AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS b(code, host, clicks)
  ), hosts AS (
    SELECT code, count(*) AS n FROM click_referrers WHERE code = ANY($1::text[]) GROUP BY code
  ), ranked AS (
    SELECT b.code, b.host, b.clicks, r.host IS NOT NULL AS known,
           row_number() OVER (PARTITION BY b.code, r.host IS NULL ORDER BY b.clicks DESC, b.host) AS rank
      FROM batch b LEFT JOIN click_referrers r ON r.code = b.code AND r.host = b.host
  )
  INSERT INTO click_referrers (code, host, clicks)
  SELECT ranked.code,
         CASE WHEN known OR coalesce(hosts.n, 0) + rank <= $4 THEN ranked.host ELSE '(other)' END,
         sum(ranked.clicks)
    FROM ranked LEFT JOIN hosts USING (code)
   GROUP BY 1, 2
   ORDER BY 1, 2
  ON CONFLICT (code, host) DO UPDATE SET clicks = click_referrers.clicks + EXCLUDED.clicks`;

const columns = (rows: readonly CountRow[]) => [
  rows.map((row) => row.code),
  rows.map((row) => row.key),
  rows.map((row) => row.clicks),
];

/** Locks the batch's links in code order and adds each code's clicks; unknown codes are left out. */
export async function addTotals(tx: pg.ClientBase, tally: ClickTally): Promise<CountedLink[]> {
  const codes = tally.codes.map((code) => code.code);
  await tx.query(LOCK_LINKS, [codes]);
  const { rows } = await tx.query<{ code: string; owner_id: string; clicks: string }>(ADD_TOTALS, [
    codes,
    tally.codes.map((code) => code.clicks),
  ]);
  const added = new Map(tally.codes.map((code) => [code.code, code.clicks]));
  return rows
    .map((row) => {
      const after = Number(row.clicks);
      return { code: row.code, ownerId: row.owner_id, before: after - (added.get(row.code) ?? 0), after };
    })
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/** Adds the per-day, referrer and user-agent counts (of known codes only: see addTotals). */
export async function addBreakdowns(tx: pg.ClientBase, tally: ClickTally): Promise<void> {
  if (tally.codes.length === 0) return;
  await tx.query(ADD_DAILY, columns(tally.daily));
  await tx.query(ADD_REFERRERS, [...columns(tally.referrers), MAX_REFERRER_HOSTS_PER_LINK]);
  await tx.query(ADD_AGENTS, columns(tally.agents));
}

/** Records the milestones not reached before; returns those this call recorded. */
export async function claimMilestones(
  tx: pg.ClientBase,
  milestones: readonly { code: string; milestone: number }[],
): Promise<{ code: string; milestone: number }[]> {
  if (milestones.length === 0) return [];
  const { rows } = await tx.query<{ code: string; milestone: string }>(
    `INSERT INTO link_milestones (code, milestone)
     SELECT * FROM unnest($1::text[], $2::bigint[]) ORDER BY 1, 2
     ON CONFLICT DO NOTHING RETURNING code, milestone`,
    [milestones.map((m) => m.code), milestones.map((m) => m.milestone)],
  );
  return rows.map((row) => ({ code: row.code, milestone: Number(row.milestone) }));
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
