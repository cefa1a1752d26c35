// The click pipeline's pure parts, from a redirect's click to the aggregator's rows:
//   - the window (domain/click-window.ts) sums clicks per link and day, counts a visitor once,
//     keeps only traced clicks' span contexts (with their position), bounds referrer hosts per
//     rollup, and refuses a click — whole — that needs a link or a visitor beyond its bounds;
//   - the packer (adapters/click-batch.ts) turns a window into valid url.clicked v3 messages under
//     the byte and visitor bounds, splitting one link's visitors over messages when they do not
//     fit, every click and every visitor exactly once, no raw address in any of them;
//   - the tally (domain/click-tally.ts) sums a batch per code, day, host and family, sorted, and
//     numbers traced clicks across a code's rollups so a milestone finds the click that crossed it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeEvent,
  MAX_REFERRER_HOSTS_PER_ROLLUP,
  MAX_TRACED_PER_ROLLUP,
  MAX_VISITORS_PER_BATCH,
  type PayloadOf,
  urlClicked,
} from '@lab/events';
import { TraceFlags } from '@opentelemetry/api';
import { clickBatches, MAX_BATCH_BYTES } from '../src/adapters/click-batch.ts';
import { tallyRollups } from '../src/domain/click-tally.ts';
import { ClickWindow, clickClassifier, type RawClick } from '../src/domain/click-window.ts';

const KEY = 'test-visitor-key-0123456789';
const DAY = Date.UTC(2026, 11, 1, 12);
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const roomy = { maxLinks: 100_000, maxVisitors: 1_000_000 };
const windowOf = (limits = roomy) => new ClickWindow(limits, clickClassifier());
const click = (overrides: Partial<RawClick> = {}): RawClick => ({
  code: 'abc1234',
  at: DAY,
  address: '10.0.0.1',
  userAgent: FIREFOX,
  referrer: 'https://news.example/a',
  ...overrides,
});
const spanContext = (n: number) => ({
  traceId: n.toString(16).padStart(32, '0'),
  spanId: '1'.repeat(16),
  traceFlags: TraceFlags.SAMPLED,
});
type Batch = PayloadOf<typeof urlClicked>;
const decoded = (window: ClickWindow, maxBytes?: number): { batch: Batch; bytes: number }[] =>
  clickBatches(window, KEY, maxBytes).map(({ message }) => ({
    batch: decodeEvent(urlClicked, {
      eventType: message.headers['event-type'],
      payload: JSON.parse(message.value),
    }),
    bytes: Buffer.byteLength(message.value),
  }));

test('a window sums one link per day: clicks, one visitor once, hosts, families, traced positions', () => {
  const window = windowOf();
  assert.ok(window.add(click()));
  assert.ok(window.add(click({ referrer: 'https://NEWS.example/b', spanContext: spanContext(2) })));
  assert.ok(window.add(click({ address: '10.0.0.2', userAgent: 'curl/8.0', referrer: null })));
  assert.ok(window.add(click({ at: DAY + 86_400_000 }))); // the next day: a rollup of its own
  assert.equal(window.clicks, 4);
  assert.equal(window.visitors, 3);

  const [only] = decoded(window);
  assert.ok(only);
  const [today, tomorrow] = only.batch.rollups;
  assert.deepEqual(today, {
    code: 'abc1234',
    day: '2026-12-01',
    clicks: 3,
    referrers: [
      { host: 'news.example', clicks: 2 },
      { host: '(direct)', clicks: 1 },
    ],
    agents: [
      { family: 'curl', clicks: 1 },
      { family: 'firefox', clicks: 2 },
    ],
    visitors: today?.visitors,
    traced: [{ ordinal: 2, traceparent: `00-${'2'.padStart(32, '0')}-${'1'.repeat(16)}-01` }],
  });
  assert.equal(new Set(today?.visitors).size, 2);
  assert.equal(tomorrow?.day, '2026-12-02');
  assert.equal(tomorrow?.clicks, 1);
  // The same visitor is the same id on both days (and on every instance: the key decides it).
  assert.ok(today?.visitors.includes(tomorrow?.visitors[0] as string));
  assert.ok(!JSON.stringify(only.batch).includes('10.0.0.'), 'no raw address travels');
});

test('a rollup names at most its bound of referrer hosts and keeps at most its bound of traces', () => {
  const window = windowOf();
  for (let i = 0; i < MAX_REFERRER_HOSTS_PER_ROLLUP + 10; i += 1)
    window.add(click({ referrer: `https://h${i}.example/`, spanContext: spanContext(i + 1) }));
  const rollup = decoded(window)[0]?.batch.rollups[0];
  assert.equal(rollup?.referrers.length, MAX_REFERRER_HOSTS_PER_ROLLUP + 1);
  assert.deepEqual(rollup?.referrers.at(-1), { host: '(other)', clicks: 10 });
  assert.deepEqual(
    rollup?.traced.map((entry) => entry.ordinal),
    Array.from({ length: MAX_TRACED_PER_ROLLUP }, (_, i) => i + 1),
  );
});

test('a click that needs a link or a visitor beyond the bounds is refused whole; known ones still count', () => {
  const window = windowOf({ maxLinks: 2, maxVisitors: 3 });
  assert.ok(window.add(click({ code: 'one1111', address: 'a' })));
  assert.ok(window.add(click({ code: 'two2222', address: 'b' })));
  assert.equal(window.add(click({ code: 'three33', address: 'a' })), false, 'a third link');
  assert.ok(window.add(click({ code: 'one1111', address: 'c' })));
  assert.equal(window.add(click({ code: 'two2222', address: 'd' })), false, 'a fourth visitor');
  // Known link, known visitor: counted however long Kafka stays away.
  for (let i = 0; i < 1_000; i += 1) assert.ok(window.add(click({ code: 'one1111', address: 'a' })));
  assert.equal(window.clicks, 1_003);
  assert.equal(window.visitors, 3);
  assert.deepEqual(
    decoded(window)[0]?.batch.rollups.map(({ code, clicks, visitors }) => [code, clicks, visitors.length]),
    [
      ['one1111', 1_002, 2],
      ['two2222', 1, 1],
    ],
  );
});

test('a window too big for one message is split: each valid and under its bounds, every click and visitor once', () => {
  const window = windowOf();
  // One hot link with more visitors than a message takes, and 600 links with long referrer hosts.
  const hot = MAX_VISITORS_PER_BATCH + 5_000;
  for (let i = 0; i < hot; i += 1)
    window.add(click({ code: 'hot0000', address: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` }));
  for (let link = 0; link < 600; link += 1)
    for (let host = 0; host < 3; host += 1)
      window.add(click({ code: `link${link}`, referrer: `https://${'x'.repeat(200)}${host}.example/` }));

  const messages = decoded(window);
  assert.ok(messages.length >= 2, `${messages.length} messages`);
  const ids = clickBatches(window, KEY).map((batch) => batch.message.key);
  assert.equal(new Set(ids).size, ids.length, 'a batch id each');
  for (const { batch, bytes } of messages) {
    assert.ok(bytes <= MAX_BATCH_BYTES, `${bytes} bytes`);
    assert.ok(batch.rollups.reduce((n, rollup) => n + rollup.visitors.length, 0) <= MAX_VISITORS_PER_BATCH);
  }
  const rollups = messages.flatMap(({ batch }) => batch.rollups);
  assert.equal(
    rollups.reduce((n, rollup) => n + rollup.clicks, 0),
    hot + 1_800,
  );
  const hotVisitors = rollups
    .filter((rollup) => rollup.code === 'hot0000')
    .flatMap((rollup) => rollup.visitors);
  assert.equal(hotVisitors.length, hot);
  assert.equal(new Set(hotVisitors).size, hot);
  // The continuation carries visitors only.
  assert.ok(rollups.some((rollup) => rollup.code === 'hot0000' && rollup.clicks === 0));

  // A smaller byte budget is honoured too, and stays tight (within 10 %) for full messages.
  for (const maxBytes of [50_000, 200_000]) {
    const small = decoded(window, maxBytes);
    for (const { bytes } of small) assert.ok(bytes <= maxBytes, `${bytes} > ${maxBytes}`);
    assert.ok((small[0]?.bytes ?? 0) > 0.9 * maxBytes, `${small[0]?.bytes} of ${maxBytes}: a loose estimate`);
  }
});

test('the tally sums per code, day, host and family, sorted, and numbers traced clicks across rollups', () => {
  const rollup = (
    code: string,
    day: string,
    clicks: number,
    extra: Partial<Batch['rollups'][number]> = {},
  ) => ({
    code,
    day,
    clicks,
    referrers: [{ host: '(direct)', clicks }],
    agents: [{ family: 'firefox' as const, clicks }],
    visitors: ['a'.repeat(16)],
    traced: [],
    ...extra,
  });
  const tp = (n: number) => `00-${n.toString(16).padStart(32, '0')}-${'1'.repeat(16)}-01`;
  const tally = tallyRollups([
    rollup('zzz', '2026-12-01', 3, { traced: [{ ordinal: 2, traceparent: tp(2) }] }),
    rollup('aaa', '2026-12-01', 2, { referrers: [{ host: 'news.example', clicks: 2 }] }),
    rollup('zzz', '2026-12-02', 4, {
      traced: [{ ordinal: 1, traceparent: tp(4) }],
      visitors: ['b'.repeat(16)],
    }),
    { ...rollup('zzz', '2026-12-02', 0), referrers: [], agents: [], visitors: ['c'.repeat(16)] },
  ]);
  assert.deepEqual(
    tally.codes.map(({ code, clicks, visitors, traced }) => ({
      code,
      clicks,
      visitors,
      traced: [...traced],
    })),
    [
      { code: 'aaa', clicks: 2, visitors: ['a'.repeat(16)], traced: [] },
      {
        code: 'zzz',
        clicks: 7,
        visitors: ['a'.repeat(16), 'b'.repeat(16), 'c'.repeat(16)],
        // The second rollup's first click is the code's 4th in the batch.
        traced: [
          [2, tp(2)],
          [4, tp(4)],
        ],
      },
    ],
  );
  assert.deepEqual(tally.daily, [
    { code: 'aaa', key: '2026-12-01', clicks: 2 },
    { code: 'zzz', key: '2026-12-01', clicks: 3 },
    { code: 'zzz', key: '2026-12-02', clicks: 4 },
  ]);
  assert.deepEqual(tally.referrers, [
    { code: 'aaa', key: 'news.example', clicks: 2 },
    { code: 'zzz', key: '(direct)', clicks: 7 },
  ]);
  assert.deepEqual(tally.agents, [
    { code: 'aaa', key: 'firefox', clicks: 2 },
    { code: 'zzz', key: 'firefox', clicks: 7 },
  ]);
});
