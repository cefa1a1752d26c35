// The seed command on a fresh database, run twice: the same rows both times (deterministic and
// convergent), users across time zones and both locales, every template the other services name,
// and the marketing segment.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@lab/testkit';
import pg from 'pg';
import { seedUsers, ZONES } from '../scripts/seed-data.ts';

const run = promisify(execFile);
let db: TestDatabase;

before(async () => {
  db = await createTestDatabase('notif_seed');
});
after(() => db.drop());

const seed = () =>
  run(process.execPath, [new URL('../scripts/seed.ts', import.meta.url).pathname, '--users', '60'], {
    env: { ...process.env, DATABASE_URL: db.url },
  });

test('seed data is deterministic and covers every zone and both locales', () => {
  assert.deepEqual(seedUsers(20), seedUsers(20));
  const users = seedUsers(60);
  assert.deepEqual(new Set(users.map((u) => u.preferences.timezone)), new Set(ZONES));
  assert.deepEqual(new Set(users.map((u) => u.preferences.locale)), new Set(['en', 'de']));
});

test('npm run seed: progress, then the same rows on a second run', async () => {
  const first = await seed();
  assert.match(first.stdout, /seed: users 60\/60/);
  const snapshot = async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const q = async (sql: string) => (await pool.query(sql)).rows;
      return {
        users: await q('SELECT user_id, email, phone, push_token FROM user_contacts ORDER BY user_id'),
        prefs: await q(
          'SELECT user_id, timezone, locale, quiet_start, quiet_end, channels FROM user_preferences ORDER BY user_id',
        ),
        templates: await q('SELECT name, locale, version FROM templates ORDER BY name, locale, version'),
        members: await q(
          "SELECT user_id FROM segment_members WHERE segment = 'marketing-email' ORDER BY user_id",
        ),
      };
    } finally {
      await pool.end();
    }
  };
  const once = await snapshot();
  await seed();
  assert.deepEqual(await snapshot(), once);
  assert.equal(once.users.length, 60);
  const names = new Set(once.templates.map((t) => `${t.name}/${t.locale}`));
  for (const name of ['url.milestone', 'feed.new-follower']) {
    assert.ok(names.has(`${name}/en`) && names.has(`${name}/de`), `${name} in two locales`);
  }
  assert.ok(
    once.templates.every((t) => t.version === 1),
    'no new version when nothing changed',
  );
  assert.equal(once.members.length, 45, 'three in four accept marketing email');
});
