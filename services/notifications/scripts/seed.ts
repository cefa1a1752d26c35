// `npm run seed -w @lab/notifications [-- --users 1000]`: fills the notifications database (DATABASE_URL;
// the server's `postgres` database is replaced by `notifications`) with the
// deterministic seed (scripts/seed-data.ts), applying the migrations first, so it also works on a
// fresh database (created when missing). Re-running converges to the same rows: users are
// upserted, a template version is added only when its text changed, segment members are kept.
import { canonicalJson, createLogger, createPgPool, runMigrations } from '@lab/service-kit';
import pg from 'pg';
import { addMembers, putSegment } from '../src/adapters/segments-repository.ts';
import { addTemplateVersion, latestVersions } from '../src/adapters/templates-repository.ts';
import { putContacts, putPreferences } from '../src/adapters/users-repository.ts';
import { MARKETING_SEGMENT, SEED_TEMPLATES, seedUsers } from './seed-data.ts';

const given = process.env.DATABASE_URL;
if (!given) {
  console.error('DATABASE_URL is not set (npm run infra:local -- up writes .lab/local.env)');
  process.exit(2);
}
// .lab/local.env points at the server's maintenance database (tests create their own from it);
// the seed belongs in the service's database, `notifications`, on the same server.
const url = (() => {
  const parsed = new URL(given);
  if (parsed.pathname === '/postgres' || parsed.pathname === '/') parsed.pathname = '/notifications';
  return parsed.toString();
})();
const at = process.argv.indexOf('--users');
const count = at >= 0 ? Number(process.argv[at + 1]) : 1_000;
if (!Number.isInteger(count) || count < 2 || count > 1_000_000) {
  console.error('--users must be an integer from 2 to 1000000');
  process.exit(2);
}

async function ensureDatabase(databaseUrl: string): Promise<void> {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      console.log(`seed: created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

await ensureDatabase(url);
const pool = createPgPool({ connectionString: url, applicationName: 'notifications-seed' });
try {
  const applied = await runMigrations(pool, new URL('../migrations/', import.meta.url), {
    logger: createLogger({ name: 'seed', level: 'warn' }),
  });
  console.log(`seed: migrations done (${applied.applied.length} applied now)`);
  const users = seedUsers(count);
  for (const [i, user] of users.entries()) {
    await putContacts(pool, user.id, user.contacts);
    await putPreferences(pool, user.id, user.preferences);
    if ((i + 1) % 250 === 0 || i + 1 === users.length) console.log(`seed: users ${i + 1}/${users.length}`);
  }
  let added = 0;
  for (const template of SEED_TEMPLATES) {
    const latest = (await latestVersions(pool, template.name)).get(template.locale);
    if (latest && canonicalJson(latest.content) === canonicalJson(template.content)) continue;
    await addTemplateVersion(pool, template.name, template.locale, template.content);
    added += 1;
  }
  console.log(`seed: templates ${SEED_TEMPLATES.length} (${added} new versions)`);
  await putSegment(pool, MARKETING_SEGMENT, 'Everyone who accepts marketing email');
  const members = users.filter((user) => user.preferences.categories.marketing.email).map((user) => user.id);
  for (let i = 0; i < members.length; i += 1_000)
    await addMembers(pool, MARKETING_SEGMENT, members.slice(i, i + 1_000));
  console.log(`seed: segment ${MARKETING_SEGMENT} with ${members.length} members`);
} finally {
  await pool.end();
}
