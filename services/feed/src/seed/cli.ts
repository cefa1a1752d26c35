// `npm run seed -w @lab/feed`: fills the feed database with a realistic graph for load tests and
// experiments (see graph.ts): power-law follower counts, a few celebrities above 100,000
// followers, posts spread over the last week, a share of users inactive (skipped by fan-out).
// Deterministic from --seed. Posts are inserted directly, not through the outbox: replaying
// thousands of fan-outs is not the point of a seed, and timelines build themselves from Postgres on
// each user's first read.
//
//   npm run seed -w @lab/feed -- --users 120000 --celebrities 3 --seed 42
//   npm run seed -w @lab/feed -- --users 5000 --celebrity-followers 2000 --reset
//   npm run seed -w @lab/feed -- --database feed_experiment --reset   (an existing database)
import { parseArgs } from 'node:util';
import { createPgPool, runMigrations } from '@lab/service-kit';
import { seedDatabase } from './seed.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '120000' },
    celebrities: { type: 'string', default: '3' },
    'celebrity-followers': { type: 'string', default: '102000' },
    'mean-following': { type: 'string', default: '8' },
    'max-following': { type: 'string', default: '2000' },
    'posts-per-user': { type: 'string', default: '0.3' },
    'celebrity-posts': { type: 'string', default: '50' },
    'inactive-share': { type: 'string', default: '0.3' },
    seed: { type: 'string', default: '42' },
    database: { type: 'string', default: 'feed' },
    reset: { type: 'boolean', default: false },
  },
});

function positive(
  name: string,
  text: string | undefined,
  { integer = true, max = Number.MAX_SAFE_INTEGER } = {},
) {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > max || (integer && !Number.isInteger(value))) {
    console.error(`seed: --${name} must be a ${integer ? 'whole ' : ''}number between 0 and ${max}`);
    process.exit(2);
  }
  return value;
}

// The server comes from DATABASE_URL (.lab/local.env points it at the server's `postgres`
// database); the database is --database, `feed` by default, so a seed never lands elsewhere.
if (!process.env.DATABASE_URL) {
  console.error('seed: DATABASE_URL is not set (npm run infra:local -- up writes .lab/local.env)');
  process.exit(2);
}
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(values.database)) {
  console.error('seed: --database must be a plain database name');
  process.exit(2);
}
const server = new URL(process.env.DATABASE_URL);
server.pathname = `/${values.database}`;
const databaseUrl = server.toString();
const users = positive('users', values.users, { max: 5_000_000 });
const options = {
  seed: positive('seed', values.seed),
  users: Math.max(2, users),
  celebrities: positive('celebrities', values.celebrities, { max: 100 }),
  celebrityFollowers: positive('celebrity-followers', values['celebrity-followers']),
  meanFollowing: Math.max(1.5, positive('mean-following', values['mean-following'], { integer: false })),
  maxFollowing: positive('max-following', values['max-following']),
  postsPerUser: positive('posts-per-user', values['posts-per-user'], { integer: false, max: 100 }),
  celebrityPosts: positive('celebrity-posts', values['celebrity-posts'], { max: 10_000 }),
  inactiveShare: positive('inactive-share', values['inactive-share'], { integer: false, max: 1 }),
};
const pool = createPgPool({ connectionString: databaseUrl, applicationName: 'feed-seed' });
try {
  await runMigrations(pool, new URL('../../migrations/', import.meta.url));
  console.log(`seed: database ${values.database} on ${server.host}`);
  await seedDatabase(pool, options, { reset: values.reset, log: (line) => console.log(line) });
} catch (error) {
  console.error(`seed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
