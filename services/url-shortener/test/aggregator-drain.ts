// A measurement, not a test: how many clicks per second the click aggregator drains. Starts the
// service on its own database and topics (the test bed), then produces url.clicked v3 batches
// straight to the topic as redirecting processes would send them: WINDOWS flush windows of
// CLICKS_PER_WINDOW clicks each over LINKS links, every window summed into per-link rollups with
// their visitors by the publisher's own code (domain/click-window.ts, adapters/click-batch.ts), one
// message per send. All messages are built before the clock starts; it times the drain, from the
// first send until every click is in links.clicks. A rollup carries many clicks, so the rate it
// prints depends on clicks per rollup: messagesPerSecond and rollupsPerSecond are the
// aggregator's own cost, clicksPerSecond what that means at this traffic shape.
//   node --env-file-if-exists=.lab/local.env services/url-shortener/test/aggregator-drain.ts
import { urlClicked } from '@lab/events';
import { testDependencies, waitUntil } from '@lab/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { clickBatches } from '../src/adapters/click-batch.ts';
import { ClickWindow, clickClassifier } from '../src/domain/click-window.ts';
import { createTestBed } from './support.ts';

const WINDOWS = Number(process.env.WINDOWS ?? 200);
const CLICKS_PER_WINDOW = Number(process.env.CLICKS_PER_WINDOW ?? 1_000);
const LINKS = Number(process.env.LINKS ?? 100);
/** Distinct visitors (addresses) the clicks come from. */
const VISITORS = Number(process.env.VISITORS ?? 5_000);
const AGENTS = ['Mozilla/5.0 Firefox/140.0', 'Mozilla/5.0 Chrome/140.0 Safari/537.36', 'curl/8.0', null];
const CLICKS = WINDOWS * CLICKS_PER_WINDOW;

const bed = await createTestBed('urlsh_drain');
try {
  await bed.start({ LOG_LEVEL: 'silent' });
  const { rows } = await bed.db.pool.query<{ code: string }>(
    `INSERT INTO links (code, url, owner_id, tenant)
     SELECT 'dr' || i, 'https://example.com/' || i, 'ann', 'acme' FROM generate_series(1, $1::int) i RETURNING code`,
    [LINKS],
  );
  const codes = rows.map((row) => row.code);

  // Each window as its process would send it: the clicks summed, then cut into messages.
  const classify = clickClassifier();
  const limits = { maxLinks: 10_000, maxVisitors: 100_000 };
  const messages = [];
  let rollups = 0;
  let visitorIds = 0;
  for (let w = 0; w < WINDOWS; w += 1) {
    const window = new ClickWindow(limits, classify);
    for (let c = 0; c < CLICKS_PER_WINDOW; c += 1) {
      const i = w * CLICKS_PER_WINDOW + c;
      const visitor = i % VISITORS;
      window.add({
        code: codes[(i * 7919) % codes.length] as string,
        at: Date.now(),
        address: `10.0.${visitor >> 8}.${visitor & 255}`,
        userAgent: AGENTS[i % AGENTS.length] ?? null,
        referrer: i % 3 === 0 ? null : `https://r${i % 40}.example/page`,
      });
    }
    for (const batch of clickBatches(window, 'drain-visitor-key-0123456789')) {
      const payload = JSON.parse(batch.message.value) as { rollups: { visitors: string[] }[] };
      rollups += payload.rollups.length;
      visitorIds += payload.rollups.reduce((sum, rollup) => sum + rollup.visitors.length, 0);
      messages.push(batch.message);
    }
  }

  const { kafkaBrokers } = await testDependencies();
  const producer = new Kafka({
    clientId: 'drain',
    brokers: kafkaBrokers,
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  const started = performance.now();
  // One message per request, as the publisher sends them (a request's messages to one partition
  // form one record batch, which must stay under the broker's 1 MB).
  for (const message of messages) {
    await producer.send({ topic: `${bed.topicPrefix}url.clicked`, messages: [message] });
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
  const perSecond = (count: number) => Math.round(count / (drained / 1_000));
  console.log(
    JSON.stringify({
      eventType: urlClicked.eventType,
      clicks: CLICKS,
      links: LINKS,
      windows: WINDOWS,
      messages: messages.length,
      rollups,
      visitorIds,
      producedMs: Math.round(produced),
      drainedMs: Math.round(drained),
      clicksPerSecond: perSecond(CLICKS),
      messagesPerSecond: perSecond(messages.length),
      rollupsPerSecond: perSecond(rollups),
    }),
  );
} finally {
  await bed.cleanup();
}
