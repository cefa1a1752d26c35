// The click batch's pure parts: the size bound holds for any text a header can carry (escaped
// quotes and backslashes, control characters, two- and three-byte UTF-8) and is tight (within
// 10 %), not a guess that wastes half a message; a batch is one valid url.clicked message whose
// key and event id are its batch id; and the aggregator's tally sums per code, day, host and
// family, sorted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEvent, urlClicked } from '@lab/events';
import { clickBatch, clicksThatFit, type RawClick } from '../src/adapters/click-batch.ts';
import { tallyClicks } from '../src/domain/click-tally.ts';

const KEY = 'test-visitor-key-0123456789';
const TEXTS = [
  'plain ascii text',
  'quote " and back\\slash',
  'tab\tand\u0001control',
  'é'.repeat(40),
  '€ and 漢字',
];
const text = (i: number) => (TEXTS[i % TEXTS.length] as string).repeat(40).slice(0, 512);
const click = (i: number): RawClick => ({
  code: `code${i % 17}`,
  at: Date.UTC(2026, 11, 1) + i,
  address: `10.0.0.${i % 7}`,
  userAgent: i % 4 === 0 ? null : text(i),
  referrer: i % 5 === 0 ? null : text(i + 1),
});

test('a batch cut by clicksThatFit stays under the byte bound, and the bound is tight', () => {
  const buffer = Array.from({ length: 1_000 }, (_, i) => click(i));
  for (const maxBytes of [20_000, 100_000, 400_000]) {
    const count = clicksThatFit(buffer, 1_000, maxBytes);
    const bytes = Buffer.byteLength(clickBatch(buffer.slice(0, count), KEY).message.value);
    assert.ok(bytes <= maxBytes, `${bytes} > ${maxBytes}`);
    // Tight: within 10 % (the estimate counts a traceparent for every click, and the envelope generously).
    assert.ok(bytes > 0.9 * maxBytes, `${bytes} bytes of ${maxBytes}: the estimate is loose`);
  }
  assert.equal(clicksThatFit(buffer.slice(0, 10), 1_000), 10);
  assert.equal(clicksThatFit(buffer, 3), 3);
});

test('a batch is one valid url.clicked message keyed by its batch id; one visitor hash per visitor', () => {
  const clicks = Array.from({ length: 30 }, (_, i) => click(i));
  const { message, clicks: count } = clickBatch(clicks, KEY);
  const batch = decodeEvent(urlClicked, {
    eventType: message.headers['event-type'],
    payload: JSON.parse(message.value),
  });
  assert.equal(count, 30);
  assert.equal(message.key, batch.batchId);
  assert.equal(message.headers['event-id'], batch.batchId);
  assert.equal(batch.clicks.length, 30);
  assert.equal(batch.clicks[3]?.clickedAt, new Date(Date.UTC(2026, 11, 1) + 3).toISOString());
  assert.equal(batch.clicks[0]?.traceparent, null);
  // Same address and user agent, same visitor id; the raw address never appears.
  const visitorOf = new Map<string, string>();
  clicks.forEach((raw, i) => {
    const id = batch.clicks[i]?.visitorId as string;
    const seen = visitorOf.get(`${raw.address}\n${raw.userAgent}`);
    if (seen) assert.equal(id, seen);
    visitorOf.set(`${raw.address}\n${raw.userAgent}`, id);
  });
  assert.ok(!message.value.includes('10.0.0.'));
});

test('the tally sums per code, day, referrer host and browser family, sorted by code', () => {
  const at = (day: string) => `${day}T12:00:00.000Z`;
  const base = { visitorId: 'a'.repeat(32), userAgent: null, referrer: null, traceparent: null };
  const tally = tallyClicks([
    {
      ...base,
      code: 'zzz',
      clickedAt: at('2026-12-01'),
      traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`,
    },
    { ...base, code: 'aaa', clickedAt: at('2026-12-01'), referrer: 'https://News.example/x' },
    { ...base, code: 'zzz', clickedAt: at('2026-12-02'), userAgent: 'curl/8', visitorId: 'b'.repeat(32) },
    { ...base, code: 'aaa', clickedAt: at('2026-12-01'), referrer: 'https://news.example/y' },
  ]);
  assert.deepEqual(
    tally.codes.map(({ code, clicks, visitors, traceparents }) => ({ code, clicks, visitors, traceparents })),
    [
      { code: 'aaa', clicks: 2, visitors: ['a'.repeat(32)], traceparents: [null, null] },
      {
        code: 'zzz',
        clicks: 2,
        visitors: ['a'.repeat(32), 'b'.repeat(32)],
        traceparents: [`00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`, null],
      },
    ],
  );
  assert.deepEqual(tally.daily, [
    { code: 'aaa', key: '2026-12-01', clicks: 2 },
    { code: 'zzz', key: '2026-12-01', clicks: 1 },
    { code: 'zzz', key: '2026-12-02', clicks: 1 },
  ]);
  assert.deepEqual(tally.referrers, [
    { code: 'aaa', key: 'news.example', clicks: 2 },
    { code: 'zzz', key: '(direct)', clicks: 2 },
  ]);
  assert.deepEqual(tally.agents, [
    { code: 'aaa', key: '(none)', clicks: 2 },
    { code: 'zzz', key: '(none)', clicks: 1 },
    { code: 'zzz', key: 'curl', clicks: 1 },
  ]);
});
