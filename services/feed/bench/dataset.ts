// The benchmark's data, written straight into a fresh database: one author with FOLLOWERS active
// followers (the fan-out case), and a reading population: REGULAR_AUTHORS ordinary authors and
// CELEBRITIES celebrities (follower_count set above the threshold directly: reads classify authors
// by that number and never walk a celebrity's edges), each with POSTS_PER_AUTHOR posts, and three
// readers following 10, 100 and 1,000 of them (1, 3 and 10 celebrities among them).
import type pg from 'pg';

export const FOLLOWERS = 10_000;
export const REGULAR_AUTHORS = 1_000;
export const CELEBRITIES = 10;
export const POSTS_PER_AUTHOR = 20;
export const READERS = [
  { name: 'r10', following: 10, celebrities: 1 },
  { name: 'r100', following: 100, celebrities: 3 },
  { name: 'r1000', following: 1_000, celebrities: 10 },
] as const;

export async function writeDataset(pool: pg.Pool): Promise<string[]> {
  const followers = Array.from({ length: FOLLOWERS }, (_, i) => `f${i}`);
  const authors = Array.from({ length: REGULAR_AUTHORS }, (_, i) => `a${i}`);
  const celebrities = Array.from({ length: CELEBRITIES }, (_, i) => `c${i}`);
  const users = ['author', ...followers, ...authors, ...celebrities, ...READERS.map((r) => r.name)];
  await pool.query('INSERT INTO users (id) SELECT * FROM unnest($1::text[])', [users]);
  await pool.query(
    "INSERT INTO follows (follower_id, followee_id) SELECT f, 'author' FROM unnest($1::text[]) AS f",
    [followers],
  );
  await pool.query("UPDATE users SET follower_count = $1 WHERE id = 'author'", [FOLLOWERS]);
  await pool.query('UPDATE users SET follower_count = 50000 WHERE id = ANY($1::text[])', [celebrities]);
  await pool.query('UPDATE users SET follower_count = 100 WHERE id = ANY($1::text[])', [authors]);
  const now = Date.now();
  const posters = [...authors, ...celebrities];
  const ids: string[] = [];
  const owners: string[] = [];
  const scores: number[] = [];
  posters.forEach((author, a) => {
    for (let k = 0; k < POSTS_PER_AUTHOR; k += 1) {
      ids.push(`p-${author}-${k}`);
      owners.push(author);
      // Spread over the last day, interleaved across authors.
      scores.push(now - ((k * posters.length + a) * 86_400_000) / (posters.length * POSTS_PER_AUTHOR));
    }
  });
  await pool.query(
    `INSERT INTO posts (id, author_id, body, score, created_at)
     SELECT id, author, 'benchmark post ' || id, score, to_timestamp(score / 1000.0)
     FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(id, author, score)`,
    [ids, owners, scores.map(Math.floor)],
  );
  for (const reader of READERS) {
    const followees = [
      ...celebrities.slice(0, reader.celebrities),
      ...authors.slice(0, reader.following - reader.celebrities),
    ];
    await pool.query(
      'INSERT INTO follows (follower_id, followee_id) SELECT $1, f FROM unnest($2::text[]) AS f',
      [reader.name, followees],
    );
  }
  await pool.query('ANALYZE');
  return followers;
}
