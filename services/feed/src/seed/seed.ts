// Writes a generated graph (graph.ts) into the feed's tables in batches, printing progress.
import type pg from 'pg';
import { celebrityName, createRandom, followeesOf, type GraphOptions, userName } from './graph.ts';

export type SeedOptions = GraphOptions & {
  postsPerUser: number;
  celebrityPosts: number;
  inactiveShare: number;
};

const BATCH = 20_000;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export async function seedDatabase(
  pool: pg.Pool,
  options: SeedOptions,
  { reset, log }: { reset: boolean; log: (line: string) => void },
): Promise<{ users: number; follows: number; posts: number }> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
  if ((rows[0]?.n ?? 0) > 0) {
    if (!reset) throw new Error('the feed database already has users; pass --reset to replace them');
    log('reset: emptying posts, follows and users');
    await pool.query('TRUNCATE posts, follows, users');
  }
  const random = createRandom(options.seed);
  const now = Date.now();
  const names = [
    ...Array.from({ length: options.users }, (_, i) => userName(i)),
    ...Array.from({ length: options.celebrities }, (_, c) => celebrityName(c)),
  ];
  const activeSince = names.map(() => (random() < options.inactiveShare ? now - 60 * 24 * 3_600_000 : now));
  for (let start = 0; start < names.length; start += BATCH) {
    await pool.query(
      `INSERT INTO users (id, last_active_at)
       SELECT id, to_timestamp(ms / 1000) FROM unnest($1::text[], $2::double precision[]) AS t(id, ms)`,
      [names.slice(start, start + BATCH), activeSince.slice(start, start + BATCH)],
    );
  }
  log(`users: ${names.length}`);

  let follows = 0;
  let followers: string[] = [];
  let followees: string[] = [];
  const flush = async () => {
    if (followers.length === 0) return;
    await pool.query(
      'INSERT INTO follows (follower_id, followee_id) SELECT * FROM unnest($1::text[], $2::text[])',
      [followers, followees],
    );
    follows += followers.length;
    followers = [];
    followees = [];
  };
  let reported = 0;
  for (let i = 0; i < options.users; i += 1) {
    for (const followee of followeesOf(options, i)) {
      followers.push(userName(i));
      followees.push(followee);
    }
    if (followers.length >= BATCH) await flush();
    const percent = Math.floor(((i + 1) / options.users) * 100);
    if (percent >= reported + 10) {
      reported = percent;
      log(`follows: ${percent}% of users (${follows + followers.length} edges)`);
    }
  }
  await flush();
  await pool.query(
    `UPDATE users u SET follower_count = c.n FROM
       (SELECT followee_id, count(*)::int AS n FROM follows GROUP BY followee_id) c
     WHERE u.id = c.followee_id`,
  );
  log(`follows: ${follows} edges; follower counts updated`);
  const posts = await seedPosts(pool, options, random, now, log);
  const top = await pool.query<{ id: string; follower_count: number }>(
    'SELECT id, follower_count FROM users ORDER BY follower_count DESC LIMIT 5',
  );
  log(`most followed: ${top.rows.map((row) => `${row.id} ${row.follower_count}`).join(', ')}`);
  return { users: names.length, follows, posts };
}

async function seedPosts(
  pool: pg.Pool,
  options: SeedOptions,
  random: () => number,
  now: number,
  log: (line: string) => void,
): Promise<number> {
  const ids: string[] = [];
  const authors: string[] = [];
  const scores: number[] = [];
  let written = 0;
  const add = async (author: string, n: number) => {
    for (let k = 0; k < n; k += 1) {
      ids.push(`s${options.seed}-${author}-${k}`);
      authors.push(author);
      scores.push(Math.floor(now - random() * WEEK_MS));
    }
    if (ids.length >= BATCH) await flush();
  };
  const flush = async () => {
    if (ids.length === 0) return;
    await pool.query(
      `INSERT INTO posts (id, author_id, body, score, created_at)
       SELECT id, author, 'seeded post ' || id, score, to_timestamp(score / 1000.0)
       FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(id, author, score)`,
      [ids, authors, scores],
    );
    written += ids.length;
    ids.length = 0;
    authors.length = 0;
    scores.length = 0;
  };
  for (let c = 0; c < options.celebrities; c += 1) await add(celebrityName(c), options.celebrityPosts);
  for (let i = 0; i < options.users; i += 1) {
    const whole = Math.floor(options.postsPerUser);
    await add(userName(i), whole + (random() < options.postsPerUser - whole ? 1 : 0));
  }
  await flush();
  log(`posts: ${written}`);
  return written;
}
