// The click aggregator against real Kafka, Postgres and Redis, fed url.clicked v3 batches (per-link
// rollups) directly: a redelivered batch (same batch id) counts once in every table and in the
// unique visitors; codes the database never had are skipped; one code's rollups of two days in a
// batch are both summed, and a visitors-only continuation rollup (clicks 0, what the publisher
// sends when a link's visitors do not fit in one message) adds visitors and no clicks; a link's
// referrer hosts stop exactly at the bound (a rollup names at most 32 hosts, so the link's 200 are
// reached over several rollups); and two aggregator consumers (two service instances, one group)
// processing batches over the same codes at once finish without a deadlock (no failed attempt)
// and with exact totals. (Checked against the mutant that takes the link locks in batch order:
// Postgres aborts some of its transactions.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { MAX_REFERRER_HOSTS_PER_ROLLUP, toKafkaMessage, urlClicked } from '@lab/events';
import { testDependencies, waitUntil } from '@lab/testkit';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { MAX_REFERRER_HOSTS_PER_LINK } from '../src/adapters/click-stats-repository.ts';
import type { BatchRollup } from '../src/domain/click-tally.ts';
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

const DAY_MS = 86_400_000;
/** A UTC day as the contract writes it, `daysAgo` days before today. */
const dayOf = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY_MS).toISOString().slice(0, 10);
const today = dayOf(0);
const yesterday = dayOf(1);
/** Visitor n's id (the service sends keyed hashes; any 16 hex characters will do here). */
const visitorId = (n: number) => n.toString(16).padStart(16, '0');

/**
 * One link's rollup: by default `clicks` direct clicks of today without a user agent, no visitor
 * and no trace; `fields` override any of these. A rollup of 0 clicks carries visitors only.
 */
const rollup = (code: string, clicks: number, fields: Partial<BatchRollup> = {}): BatchRollup => ({
  code,
  day: today,
  clicks,
  referrers: clicks > 0 ? [{ host: '(direct)', clicks }] : [],
  agents: clicks > 0 ? [{ family: '(none)', clicks }] : [],
  visitors: [],
  traced: [],
  ...fields,
});

const send = (batchId: string, rollups: BatchRollup[]) =>
  producer.send({
    topic: `${bed.topicPrefix}url.clicked`,
    messages: [toKafkaMessage(urlClicked, { batchId, rollups }, { eventId: batchId })],
  });

const processed = () => svc.metric('outbox_consumer_messages_total', { outcome: 'processed' });
const newLink = async () =>
  (await call(svc.url, 'POST', '/v1/urls', { body: { url: `https://example.com/${randomUUID()}` }, token }))
    .body.code as string;
const totalOf = async (code: string) =>
  Number((await bed.db.pool.query('SELECT clicks FROM links WHERE code = $1', [code])).rows[0].clicks);
const stats = async (code: string) => (await call(svc.url, 'GET', `/v1/urls/${code}/stats`, { token })).body;

test('a batch delivered three times counts once; unknown codes are skipped', async () => {
  const code = await newLink();
  const rollups = [
    rollup(code, 3, {
      referrers: [
        { host: 'news.example', clicks: 2 },
        { host: '(direct)', clicks: 1 },
      ],
      agents: [
        { family: 'firefox', clicks: 2 },
        { family: 'curl', clicks: 1 },
      ],
      visitors: [visitorId(1), visitorId(2)],
    }),
    rollup('nosuchcode', 1, { visitors: [visitorId(1)] }),
  ];
  const duplicates = await svc.metric('outbox_consumer_messages_total', { outcome: 'duplicate' });
  for (let i = 0; i < 3; i += 1) await send('batch-redelivered', rollups);
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
  assert.deepEqual(body.daily, [{ day: today, clicks: 3 }]);
  assert.equal(body.uniqueVisitors, 2);
  const unknown = await bed.db.pool.query(
    "SELECT count(*)::int AS n FROM click_daily WHERE code = 'nosuchcode'",
  );
  assert.equal(unknown.rows[0].n, 0);
});

test("one code's rollups of two days both count; a visitors-only continuation adds no clicks", async () => {
  const code = await newLink();
  const before = await processed();
  // A window that spanned midnight: the code has a rollup per day, visitor 2 in both.
  await send(randomUUID(), [
    rollup(code, 2, { day: yesterday, visitors: [visitorId(1), visitorId(2)] }),
    rollup(code, 3, { visitors: [visitorId(2), visitorId(3)] }),
  ]);
  // Today's visitors that did not fit in that message, continued in the next one.
  await send(randomUUID(), [rollup(code, 0, { visitors: [visitorId(4), visitorId(5)] })]);
  await waitUntil(async () => (await processed()) >= before + 2, {
    timeoutMs: 60_000,
    message: 'both batches were processed',
  });

  const body = await stats(code);
  assert.equal(body.totalClicks, 5);
  assert.deepEqual(body.daily, [
    { day: yesterday, clicks: 2 },
    { day: today, clicks: 3 },
  ]);
  assert.deepEqual(body.topReferrers, [{ host: '(direct)', clicks: 5 }]);
  assert.deepEqual(body.topUserAgents, [{ family: '(none)', clicks: 5 }]);
  assert.equal(body.uniqueVisitors, 5);
});

test('referrer hosts stop at the bound exactly; the rest count under (other)', async () => {
  const code = await newLink();
  // All but two of the link's hosts, one click each: a rollup names at most 32 hosts, so they
  // arrive as rollups of several days (a publisher would send them over several windows).
  const existing = MAX_REFERRER_HOSTS_PER_LINK - 2;
  const hosts = Array.from({ length: existing }, (_, i) => `h${i + 1}.example`);
  const filling: BatchRollup[] = [];
  for (let from = 0; from < hosts.length; from += MAX_REFERRER_HOSTS_PER_ROLLUP) {
    const some = hosts.slice(from, from + MAX_REFERRER_HOSTS_PER_ROLLUP);
    filling.push(
      rollup(code, some.length, {
        day: dayOf(filling.length),
        referrers: some.map((host) => ({ host, clicks: 1 })),
      }),
    );
  }
  await send(randomUUID(), filling);
  await waitUntil(async () => (await totalOf(code)) === existing, {
    timeoutMs: 60_000,
    message: 'the filling batch was counted',
  });

  // Two new hosts fit; the most clicked are admitted (new-a: 3, new-b: 2), new-c and new-d are not.
  const referrers = [
    { host: 'new-a', clicks: 3 },
    { host: 'new-b', clicks: 2 },
    { host: 'new-c', clicks: 1 },
    { host: 'new-d', clicks: 1 },
    { host: 'h1.example', clicks: 1 },
  ];
  await send(randomUUID(), [rollup(code, 8, { referrers })]);
  await waitUntil(async () => (await totalOf(code)) === existing + 8, {
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
    // Every batch has a rollup of two clicks for every code, in its own order.
    const order = [...codes].sort(() => Math.random() - 0.5);
    const rollups = order.map((code, i) =>
      rollup(code, 2, {
        referrers: [
          { host: `r${i % 13}.example`, clicks: 1 },
          { host: '(direct)', clicks: 1 },
        ],
        visitors: [visitorId(i), visitorId(1_000 + b)],
      }),
    );
    messages.push(send(randomUUID(), rollups));
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
