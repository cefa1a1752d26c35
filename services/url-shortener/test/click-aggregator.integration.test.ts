// The click aggregator against real Kafka, Postgres and Redis, fed url.clicked batches directly:
// a redelivered batch (same batch id) counts once in every table and in the unique visitors; codes
// the database never had are skipped; a link's referrer hosts stop exactly at the bound; and two
// aggregator consumers (two service instances, one group) processing batches over the same codes
// at once finish without a deadlock (no failed attempt) and with exact totals. (Checked against
// the mutant that takes the link locks in batch order: Postgres aborts some of its transactions.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { toKafkaMessage, urlClicked } from '@lab/events';
import { testDependencies, waitUntil } from '@lab/testkit';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { MAX_REFERRER_HOSTS_PER_LINK } from '../src/adapters/click-stats-repository.ts';
import { topicsFor } from '../src/topics.ts';
import { call, createTestBed, type Running, type TestBed } from './support.ts';

let bed: TestBed;
let svc: Running;
let token: string;
let kafka: Kafka;
let producer: Producer;

before(async () => {
  bed = await createTestBed('urlsh_agg');
  svc = await bed.start();
  token = await bed.token({ sub: 'gus' });
  const { kafkaBrokers } = await testDependencies();
  kafka = new Kafka({ clientId: 'urlsh-agg-test', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
});
after(async () => {
  await producer?.disconnect();
  await bed?.cleanup();
});

type Click = { code: string; visitor?: number; referrer?: string | null; userAgent?: string | null };

const send = (batchId: string, clicks: Click[]) =>
  producer.send({
    topic: `${bed.topicPrefix}url.clicked`,
    messages: [
      toKafkaMessage(
        urlClicked,
        {
          batchId,
          clicks: clicks.map((click) => ({
            code: click.code,
            clickedAt: new Date().toISOString(),
            visitorId: (click.visitor ?? 0).toString(16).padStart(32, '0'),
            referrer: click.referrer ?? null,
            userAgent: click.userAgent ?? null,
            traceparent: null,
          })),
        },
        { eventId: batchId },
      ),
    ],
  });

const newLink = async () =>
  (await call(svc.url, 'POST', '/v1/urls', { body: { url: `https://example.com/${randomUUID()}` }, token }))
    .body.code as string;
const totalOf = async (code: string) =>
  Number((await bed.db.pool.query('SELECT clicks FROM links WHERE code = $1', [code])).rows[0].clicks);
const stats = async (code: string) => (await call(svc.url, 'GET', `/v1/urls/${code}/stats`, { token })).body;

test('a batch delivered three times counts once; unknown codes are skipped', async () => {
  const code = await newLink();
  const firefox = 'Mozilla/5.0 Firefox/140.0';
  const clicks: Click[] = [
    { code, visitor: 1, referrer: 'https://news.example/a', userAgent: firefox },
    { code: 'nosuchcode', visitor: 1 },
    { code, visitor: 2, referrer: 'https://news.example/b', userAgent: 'curl/8.0' },
    { code, visitor: 1, referrer: null, userAgent: firefox },
  ];
  const duplicates = await svc.metric('outbox_consumer_messages_total', { outcome: 'duplicate' });
  for (let i = 0; i < 3; i += 1) await send('batch-redelivered', clicks);
  await waitUntil(
    async () =>
      (await svc.metric('outbox_consumer_messages_total', { outcome: 'duplicate' })) >= duplicates + 2,
    { timeoutMs: 60_000, message: 'the two redeliveries were processed' },
  );

  const body = await stats(code);
  assert.equal(body.totalClicks, 3);
  assert.deepEqual(body.topReferrers, [
    { host: 'news.example', clicks: 2 },
    { host: '(direct)', clicks: 1 },
  ]);
  assert.deepEqual(body.topUserAgents, [
    { family: 'firefox', clicks: 2 },
    { family: 'curl', clicks: 1 },
  ]);
  assert.deepEqual(
    (body.daily as { clicks: number }[]).map((day) => day.clicks),
    [3],
  );
  assert.equal(body.uniqueVisitors, 2);
  const unknown = await bed.db.pool.query(
    "SELECT count(*)::int AS n FROM click_daily WHERE code = 'nosuchcode'",
  );
  assert.equal(unknown.rows[0].n, 0);
});

test('referrer hosts stop at the bound exactly; the rest count under (other)', async () => {
  const code = await newLink();
  const existing = MAX_REFERRER_HOSTS_PER_LINK - 2;
  await bed.db.pool.query(
    `INSERT INTO click_referrers (code, host, clicks) SELECT $1, 'h' || i || '.example', 1 FROM generate_series(1, $2) i`,
    [code, existing],
  );
  // Two new hosts fit; the most clicked are admitted (new-a: 3, new-b: 2), new-c and new-d are not.
  const hosts = ['new-a', 'new-a', 'new-a', 'new-b', 'new-b', 'new-c', 'new-d', 'h1.example'];
  await send(
    randomUUID(),
    hosts.map((host) => ({ code, referrer: `https://${host}/x` })),
  );
  await waitUntil(async () => (await totalOf(code)) === hosts.length, {
    timeoutMs: 60_000,
    message: 'the batch was counted',
  });

  const { rows } = await bed.db.pool.query<{ host: string; clicks: string }>(
    `SELECT host, clicks FROM click_referrers WHERE code = $1 AND (host LIKE 'new-%' OR host IN ('(other)', 'h1.example'))
      ORDER BY host`,
    [code],
  );
  assert.deepEqual(rows, [
    { host: '(other)', clicks: '2' },
    { host: 'h1.example', clicks: '2' },
    { host: 'new-a', clicks: '3' },
    { host: 'new-b', clicks: '2' },
  ]);
  const count = await bed.db.pool.query('SELECT count(*)::int AS n FROM click_referrers WHERE code = $1', [
    code,
  ]);
  assert.equal(count.rows[0].n, MAX_REFERRER_HOSTS_PER_LINK + 1);
});

test('two consumers processing batches over the same codes at once: no deadlock, exact totals', async () => {
  const other = await bed.start();
  const admin = kafka.admin();
  await admin.connect();
  const group = topicsFor(bed.topicPrefix).aggregatorGroup;
  await waitUntil(
    async () => {
      const { groups } = await admin.describeGroups([group]);
      return groups[0]?.state === 'Stable' && groups[0].members.length === 2;
    },
    { timeoutMs: 60_000, message: 'both consumers joined the group' },
  );
  await admin.disconnect();

  // Many codes per batch, so two transactions' lock-taking overlaps: locked in any order but one,
  // two such batches deadlock (Postgres then aborts one: a failed attempt).
  const { rows } = await bed.db.pool.query<{ code: string }>(
    `INSERT INTO links (code, url, owner_id, tenant)
     SELECT 'dl' || i, 'https://example.com/' || i, 'gus', 'acme' FROM generate_series(1, 500) i RETURNING code`,
  );
  const codes = rows.map((row) => row.code);
  const batches = 40;
  const messages = [];
  for (let b = 0; b < batches; b += 1) {
    // Every batch clicks every code twice, in its own order.
    const order = [...codes].sort(() => Math.random() - 0.5);
    const clicks: Click[] = order.flatMap((code, i) => [
      { code, visitor: i, referrer: `https://r${i % 13}.example/` },
      { code, visitor: b },
    ]);
    messages.push(send(randomUUID(), clicks));
  }
  await Promise.all(messages);
  const totals = async (table: 'links' | 'click_daily' | 'click_referrers') =>
    (
      await bed.db.pool.query<{ code: string; clicks: number }>(
        `SELECT code, sum(clicks)::int AS clicks FROM ${table} WHERE code = ANY($1) GROUP BY code ORDER BY code`,
        [codes],
      )
    ).rows;
  const expected = [...codes].sort().map((code) => ({ code, clicks: 2 * batches }));
  await waitUntil(async () => (await totals('links')).every((row) => row.clicks === 2 * batches), {
    timeoutMs: 120_000,
    intervalMs: 250,
    message: 'every batch was counted',
  });

  assert.equal(await svc.metric('outbox_consumer_messages_total', { outcome: 'failed' }), 0);
  assert.equal(await other.metric('outbox_consumer_messages_total', { outcome: 'failed' }), 0);
  assert.ok((await other.metric('outbox_consumer_messages_total', { outcome: 'processed' })) > 0);
  assert.ok((await svc.metric('outbox_consumer_messages_total', { outcome: 'processed' })) > 0);
  assert.deepEqual(await totals('links'), expected);
  assert.deepEqual(await totals('click_daily'), expected);
  assert.deepEqual(await totals('click_referrers'), expected);
});
