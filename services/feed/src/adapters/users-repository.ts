// Users as the feed knows them: an id (the JWT `sub`), a follower count kept in step with the
// follows table inside the same transactions, and when they were last active.
import type pg from 'pg';

type Db = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** Creates the user on first sight; a no-op afterwards. */
export async function ensureUser(db: Db, id: string): Promise<void> {
  await db.query('INSERT INTO users (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [id]);
}

export async function userExists(db: Db, id: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM users WHERE id = $1', [id]);
  return rowCount === 1;
}

export type Presence = { previous: Date | undefined; dirty: boolean };

/**
 * Marks the user active now and says when they were active before (undefined for a new user) and
 * whether their timeline was marked dirty. The reader uses both to decide whether fan-out skipped
 * them or a follow change missed Redis, so that the timeline needs a rebuild.
 */
export async function touchUser(db: Db, id: string): Promise<Presence> {
  const { rows } = await db.query<{ previous: Date | null; dirty: boolean | null }>(
    `WITH old AS (SELECT last_active_at, timeline_dirty FROM users WHERE id = $1)
     INSERT INTO users (id) VALUES ($1)
     ON CONFLICT (id) DO UPDATE SET last_active_at = now(), timeline_dirty = false
     RETURNING (SELECT last_active_at FROM old) AS previous, (SELECT timeline_dirty FROM old) AS dirty`,
    [id],
  );
  return { previous: rows[0]?.previous ?? undefined, dirty: rows[0]?.dirty === true };
}

/** The user's timeline missed a change (Redis was down): rebuild it on the next read. */
export async function markTimelineDirty(db: Db, id: string): Promise<void> {
  await db.query('UPDATE users SET timeline_dirty = true WHERE id = $1', [id]);
}

/** The most-followed authors (the popular feed's sources). */
export async function topAuthors(db: Db, count: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM users WHERE follower_count > 0 ORDER BY follower_count DESC, id LIMIT $1',
    [count],
  );
  return rows.map((row) => row.id);
}

export async function followerCount(db: Db, id: string): Promise<number | undefined> {
  const { rows } = await db.query<{ follower_count: number }>(
    'SELECT follower_count FROM users WHERE id = $1',
    [id],
  );
  return rows[0]?.follower_count;
}
