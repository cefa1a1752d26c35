// The follow graph. Follow and unfollow keep users.follower_count in the same transaction, so the
// fan-out decision (push or pull) reads one integer instead of counting 100,000 rows.
import type pg from 'pg';

type Db = Pick<pg.Pool | pg.PoolClient, 'query'>;

export type Followee = { id: string; followerCount: number };

/** Inserts the edge; false when it already existed (nothing changed). */
export async function insertFollow(
  tx: Db,
  followerId: string,
  followeeId: string,
): Promise<Date | undefined> {
  const { rows } = await tx.query<{ created_at: Date }>(
    `INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)
     ON CONFLICT DO NOTHING RETURNING created_at`,
    [followerId, followeeId],
  );
  const created = rows[0]?.created_at;
  if (created) {
    await tx.query('UPDATE users SET follower_count = follower_count + 1 WHERE id = $1', [followeeId]);
  }
  return created;
}

/** Removes the edge; false when there was none. */
export async function deleteFollow(tx: Db, followerId: string, followeeId: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2', [
    followerId,
    followeeId,
  ]);
  if (rowCount !== 1) return false;
  await tx.query('UPDATE users SET follower_count = follower_count - 1 WHERE id = $1', [followeeId]);
  return true;
}

export async function countFollowing(db: Db, followerId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM follows WHERE follower_id = $1',
    [followerId],
  );
  return rows[0]?.n ?? 0;
}

/** Everyone the user follows, with their follower counts (bounded by MAX_FOLLOWING). */
export async function followees(db: Db, followerId: string): Promise<Followee[]> {
  const { rows } = await db.query<{ id: string; follower_count: number }>(
    `SELECT u.id, u.follower_count FROM follows f JOIN users u ON u.id = f.followee_id
     WHERE f.follower_id = $1`,
    [followerId],
  );
  return rows.map((row) => ({ id: row.id, followerCount: row.follower_count }));
}

/**
 * One keyset batch of an author's followers active since `activeSince`, in id order after
 * `afterId`. Keyset, not OFFSET: batch N costs the same as batch 1 for a 100,000-follower author.
 */
export async function activeFollowersBatch(
  db: Db,
  followeeId: string,
  { afterId, activeSince, limit }: { afterId: string; activeSince: Date; limit: number },
): Promise<{ ids: string[]; lastId: string | undefined }> {
  const { rows } = await db.query<{ follower_id: string; active: boolean }>(
    `SELECT f.follower_id, u.last_active_at >= $3 AS active
     FROM follows f JOIN users u ON u.id = f.follower_id
     WHERE f.followee_id = $1 AND f.follower_id > $2
     ORDER BY f.follower_id LIMIT $4`,
    [followeeId, afterId, activeSince, limit],
  );
  return {
    ids: rows.filter((row) => row.active).map((row) => row.follower_id),
    lastId: rows[rows.length - 1]?.follower_id,
  };
}

/** Which of `candidates` follow `followeeId` (live delivery to connected users). */
export async function followersAmong(db: Db, followeeId: string, candidates: string[]): Promise<string[]> {
  if (candidates.length === 0) return [];
  const { rows } = await db.query<{ follower_id: string }>(
    'SELECT follower_id FROM follows WHERE followee_id = $1 AND follower_id = ANY($2::text[])',
    [followeeId, candidates],
  );
  return rows.map((row) => row.follower_id);
}
