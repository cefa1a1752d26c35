// Posts in Postgres: inserts, tombstones, point and batch reads for hydration, and the keyset
// queries behind every "read from the source of truth" path (pull mode, timeline rebuilds, the
// continuation below a trimmed timeline, the degraded mode while Redis is down).
import type pg from 'pg';
import type { Entry } from '../domain/entry.ts';

type Db = Pick<pg.Pool | pg.PoolClient, 'query'>;

export type Post = { id: string; authorId: string; body: string; createdAt: string };
/** A hydrated id: the post, or a tombstone (deleted), or absent from the map when unknown. */
export type PostRecord = Post | { id: string; authorId: string; deleted: true };

type Row = { id: string; author_id: string; body: string | null; created_at: Date; score: string };

function toRecord(row: Row): PostRecord {
  if (row.body === null) return { id: row.id, authorId: row.author_id, deleted: true };
  return { id: row.id, authorId: row.author_id, body: row.body, createdAt: row.created_at.toISOString() };
}

export async function insertPost(
  tx: Db,
  post: { id: string; authorId: string; body: string; score: number },
): Promise<Post> {
  const { rows } = await tx.query<Row>(
    `INSERT INTO posts (id, author_id, body, score, created_at)
     VALUES ($1, $2, $3, $4::bigint, to_timestamp($4::bigint / 1000.0))
     RETURNING id, author_id, body, created_at, score`,
    [post.id, post.authorId, post.body, post.score],
  );
  return toRecord(rows[0] as Row) as Post;
}

/** The author and state of a post, locked for the caller's transaction. */
export async function lockPost(
  tx: Db,
  id: string,
): Promise<{ authorId: string; deleted: boolean; score: number } | undefined> {
  const { rows } = await tx.query<{ author_id: string; deleted: boolean; score: string }>(
    'SELECT author_id, deleted_at IS NOT NULL AS deleted, score FROM posts WHERE id = $1 FOR UPDATE',
    [id],
  );
  const row = rows[0];
  return row && { authorId: row.author_id, deleted: row.deleted, score: Number(row.score) };
}

/** Turns the post into a tombstone: the row stays (so late readers see "deleted"), the body goes. */
export async function tombstonePost(tx: Db, id: string): Promise<Date> {
  const { rows } = await tx.query<{ deleted_at: Date }>(
    'UPDATE posts SET deleted_at = now(), body = NULL WHERE id = $1 RETURNING deleted_at',
    [id],
  );
  return (rows[0] as { deleted_at: Date }).deleted_at;
}

export async function livePostScore(
  db: Db,
  id: string,
): Promise<{ authorId: string; score: number } | undefined> {
  const { rows } = await db.query<{ author_id: string; score: string }>(
    'SELECT author_id, score FROM posts WHERE id = $1 AND deleted_at IS NULL',
    [id],
  );
  const row = rows[0];
  return row && { authorId: row.author_id, score: Number(row.score) };
}

export async function findPosts(db: Db, ids: readonly string[]): Promise<PostRecord[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<Row>(
    'SELECT id, author_id, body, created_at, score FROM posts WHERE id = ANY($1::text[])',
    [ids],
  );
  return rows.map(toRecord);
}

/**
 * The newest live posts of `authors` strictly after `after` in feed order: fan-out on read.
 * The row comparison (score, id) < ($2, $3) is the cursor, and matches the index order.
 */
export async function entriesByAuthors(
  db: Db,
  authors: readonly string[],
  after: Entry | undefined,
  limit: number,
): Promise<Entry[]> {
  if (authors.length === 0 || limit <= 0) return [];
  const { rows } = await db.query<{ id: string; score: string }>(
    `SELECT id, score FROM posts
     WHERE author_id = ANY($1::text[]) AND deleted_at IS NULL
       AND ($2::bigint IS NULL OR (score, id) < ($2::bigint, $3::text))
     ORDER BY score DESC, id DESC LIMIT $4`,
    [authors, after?.score ?? null, after?.id ?? null, limit],
  );
  return rows.map((row) => ({ id: row.id, score: Number(row.score) }));
}
