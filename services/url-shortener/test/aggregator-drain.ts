// A measurement, not a test: how many clicks per second the click aggregator drains. Starts the
// service on its own database and topics (the test bed), produces CLICKS clicks over LINKS links
// straight to url.clicked as the publisher would (v2: batches of 1,000; run on a v1 checkout it
// sends one message per click, which is how the two versions were compared), and times the
// drain: from the first send until every click is in links.clicks.
//   node --env-file-if-exists=.lab/local.env services/url-shortener/test/aggregator-drain.ts
import { randomUUID } from 'node:crypto';
import { toKafkaMessage, urlClicked } from '@lab/events';
import { testDependencies, waitUntil } from '@lab/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { createTestBed } from './support.ts';

const CLICKS = Number(process.env.CLICKS ?? 20_000);
const LINKS = Number(process.env.LINKS ?? 100);
const AGENTS = ['Mozilla/5.0 Firefox/140.0', 'Mozilla/5.0 Chrome/140.0 Safari/537.36', 'curl/8.0', null];

const bed = await createTestBed('urlsh_drain');
try {
  await bed.start({ LOG_LEVEL: 'silent' });
  const { rows } = await bed.db.pool.query<{ code: string }>(
    `INSERT INTO links (code, url, owner_id, tenant)
     SELECT 'dr' || i, 'https://example.com/' || i, 'ann', 'acme' FROM generate_series(1, $1::int) i RETURNING code`,
    [LINKS],
  );
  const codes = rows.map((row) => row.code);
  const clicks = Array.from({ length: CLICKS }, (_, i) => ({
    code: codes[(i * 7919) % codes.length] as string,
    clickedAt: new Date().toISOString(),
    visitorId: (i % 5_000).toString(16).padStart(32, '0'),
    referrer: i % 3 === 0 ? null : `https://r${i % 40}.example/page`,
    userAgent: AGENTS[i % AGENTS.length] ?? null,
  }));
  const messages =
    urlClicked.version === 1
      ? clicks.map((click) => {
          const clickId = randomUUID();
          return toKafkaMessage(urlClicked, { clickId, ...click } as never, { eventId: clickId });
        })
      : Array.from({ length: Math.ceil(CLICKS / 1_000) }, (_, b) => {
          const batchId = randomUUID();
          const batch = clicks
            .slice(b * 1_000, (b + 1) * 1_000)
            .map((click) => ({ ...click, traceparent: null }));
          return toKafkaMessage(urlClicked, { batchId, clicks: batch } as never, { eventId: batchId });
        });

  const { kafkaBrokers } = await testDependencies();
  const producer = new Kafka({
    clientId: 'drain',
    brokers: kafkaBrokers,
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  const started = performance.now();
  // v1: 500 click messages per request, as the v1 publisher sent them; v2: one batch per request,
  // as the publisher sends them (a request's messages to one partition form one record batch, which
  // must stay under the broker's 1 MB).
  const perSend = urlClicked.version === 1 ? 500 : 1;
  for (let i = 0; i < messages.length; i += perSend) {
    await producer.send({ topic: `${bed.topicPrefix}url.clicked`, messages: messages.slice(i, i + perSend) });
  }
  const produced = performance.now() - started;
  await waitUntil(
    async () =>
      (await bed.db.pool.query('SELECT sum(clicks)::int AS n FROM links WHERE code = ANY($1)', [codes]))
        .rows[0].n === CLICKS,
    { timeoutMs: 1_800_000, intervalMs: 100, message: 'every click counted' },
  );
  const drained = performance.now() - started;
  await producer.disconnect();
  console.log(
    JSON.stringify({
      eventType: urlClicked.eventType,
      clicks: CLICKS,
      links: LINKS,
      messages: messages.length,
      producedMs: Math.round(produced),
      drainedMs: Math.round(drained),
      clicksPerSecond: Math.round(CLICKS / (drained / 1_000)),
    }),
  );
} finally {
  await bed.cleanup();
}
