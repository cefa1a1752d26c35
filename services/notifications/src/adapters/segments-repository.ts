// Segments: named, stored lists of users. Members are read in user-id order a page at a time
// (keyset pagination on the primary key), so expanding a segment never holds it all in memory.
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export type Segment = { name: string; description: string; size: number };

export async function putSegment(db: Queryable, name: string, description: string): Promise<void> {
  await db.query(
    `INSERT INTO segments (name, description) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET description = $2`,
    [name, description],
  );
}

/** Adds members (existing ones are kept); false when there is no such segment. */
export async function addMembers(
  db: Queryable,
  name: string,
  userIds: readonly string[],
): Promise<number | undefined> {
  const { rows } = await db.query<{ exists: boolean; added: number }>(
    `WITH seg AS (SELECT name FROM segments WHERE name = $1),
          ins AS (INSERT INTO segment_members (segment, user_id)
                  SELECT seg.name, u FROM seg, unnest($2::text[]) AS u
                  ON CONFLICT DO NOTHING RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM seg) AS exists, (SELECT count(*)::int FROM ins) AS added`,
    [name, userIds],
  );
  return rows[0]?.exists ? rows[0].added : undefined;
}

export async function getSegment(db: Queryable, name: string): Promise<Segment | undefined> {
  const { rows } = await db.query<{ name: string; description: string; size: number }>(
    `SELECT s.name, s.description, (SELECT count(*)::int FROM segment_members m WHERE m.segment = s.name) AS size
       FROM segments s WHERE s.name = $1`,
    [name],
  );
  return rows[0];
}

/** Member ids after `after` (exclusive), in order, at most `limit`. */
export async function memberPage(
  db: Queryable,
  name: string,
  after: string,
  limit: number,
): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(
    'SELECT user_id FROM segment_members WHERE segment = $1 AND user_id > $2 ORDER BY user_id LIMIT $3',
    [name, after, limit],
  );
  return rows.map((row) => row.user_id);
}
