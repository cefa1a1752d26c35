// The event contracts: valid payloads pass, each bound refuses, versions are checked on decode,
// and the committed JSON Schema files are exactly what the catalogue generates.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ALL_EVENTS,
  decodeEvent,
  isEventContractError,
  jsonSchemaOf,
  MAX_REFERRER_HOSTS_PER_ROLLUP,
  MAX_ROLLUPS_PER_BATCH,
  MAX_VISITORS_PER_BATCH,
  notificationRequested,
  parseEvent,
  postCreated,
  toKafkaMessage,
  toOutboxEvent,
  topicsProducedBy,
  urlClicked,
} from '../src/index.ts';

const request = {
  requestId: '6f1c1f4e-8a43-4d5e-9b38-3d7f0c1b2a90',
  userId: 'alice',
  category: 'transactional',
  template: 'url.milestone',
  data: { code: 'abc1234', clicks: 1000 },
  source: 'url-shortener',
} as const;

function violation(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(isEventContractError(error), `expected a contract error, got ${String(error)}`);
    return error.issues;
  }
  assert.fail('expected the payload to be refused');
}

describe('event contracts', () => {
  it('accepts a valid payload and keys it by its aggregate', () => {
    const row = toOutboxEvent(notificationRequested, request);
    assert.equal(row.topic, 'notification.requested');
    assert.equal(row.eventType, 'notification.requested.v1');
    assert.equal(row.aggregateId, 'alice');
    const post = toOutboxEvent(postCreated, {
      postId: 'p1',
      authorId: 'bob',
      createdAt: new Date().toISOString(),
    });
    assert.equal(post.aggregateId, 'bob', 'posts are keyed by author so fan-out sees them in order');
  });

  it('refuses unknown fields, bad enums and oversized values, naming the field', () => {
    assert.deepEqual(violation(() => parseEvent(notificationRequested, { ...request, extra: 1 })).length, 1);
    assert.match(
      violation(() => parseEvent(notificationRequested, { ...request, category: 'spam' }))[0] ?? '',
      /category/,
    );
    const tooMany = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`v${i}`, i]));
    assert.match(
      violation(() => parseEvent(notificationRequested, { ...request, data: tooMany }))[0] ?? '',
      /32/,
    );
    assert.match(
      violation(() =>
        parseEvent(notificationRequested, { ...request, data: { text: 'x'.repeat(1025) } }),
      )[0] ?? '',
      /data\.text/,
    );
    assert.match(
      violation(() => parseEvent(notificationRequested, { ...request, userId: 'a b' }))[0] ?? '',
      /userId/,
    );
  });

  const rollup = {
    code: 'abc1234',
    day: '2026-12-02',
    clicks: 3,
    referrers: [
      { host: 'news.example', clicks: 2 },
      { host: '(direct)', clicks: 1 },
    ],
    agents: [{ family: 'firefox' as const, clicks: 3 }],
    visitors: ['a'.repeat(16), 'b'.repeat(16)],
    traced: [{ ordinal: 2, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }],
  };
  const batch = <T>(rollups: T[]) => ({ batchId: 'b1', rollups });

  it('refuses a click batch whose visitor id is not a hash (raw addresses must never travel)', () => {
    assert.match(
      violation(() => toKafkaMessage(urlClicked, batch([{ ...rollup, visitors: ['203.0.113.9'] }])))[0] ?? '',
      /rollups\.0\.visitors\.0/,
    );
    const message = toKafkaMessage(urlClicked, batch([rollup]), { eventId: 'b1' });
    assert.equal(message.key, 'b1');
    assert.deepEqual(message.headers, { 'event-id': 'b1', 'event-type': 'url.clicked.v3' });
  });

  it('bounds a click batch: rollups, visitors, hosts, families, traced ordinals, no unknown fields', () => {
    const many = Array(MAX_ROLLUPS_PER_BATCH).fill(rollup);
    assert.equal(parseEvent(urlClicked, batch(many)).rollups.length, MAX_ROLLUPS_PER_BATCH);
    assert.match(violation(() => parseEvent(urlClicked, batch([])))[0] ?? '', /rollups/);
    assert.match(violation(() => parseEvent(urlClicked, batch([...many, rollup])))[0] ?? '', /rollups/);
    // Visitors are bounded per batch, not only per rollup.
    const half = { ...rollup, visitors: Array(MAX_VISITORS_PER_BATCH / 2 + 1).fill('c'.repeat(16)) };
    assert.match(violation(() => parseEvent(urlClicked, batch([half, half])))[0] ?? '', /visitor ids/);
    const hosts = Array.from({ length: MAX_REFERRER_HOSTS_PER_ROLLUP + 2 }, (_, i) => ({
      host: `h${i}.example`,
      clicks: 1,
    }));
    assert.match(
      violation(() => parseEvent(urlClicked, batch([{ ...rollup, referrers: hosts }])))[0] ?? '',
      /referrers/,
    );
    const badHost = [{ host: 'a b', clicks: 1 }];
    assert.match(
      violation(() => parseEvent(urlClicked, batch([{ ...rollup, referrers: badHost }])))[0] ?? '',
      /referrers\.0\.host/,
    );
    const agents = [{ family: 'netscape', clicks: 1 }];
    assert.match(violation(() => parseEvent(urlClicked, batch([{ ...rollup, agents }])))[0] ?? '', /agents/);
    const late = [{ ordinal: 4, traceparent: rollup.traced[0]?.traceparent }];
    assert.match(
      violation(() => parseEvent(urlClicked, batch([{ ...rollup, traced: late }])))[0] ?? '',
      /ordinal/,
    );
    const untraceable = [{ ordinal: 1, traceparent: 'trace-me' }];
    assert.match(
      violation(() => parseEvent(urlClicked, batch([{ ...rollup, traced: untraceable }])))[0] ?? '',
      /traced\.0\.traceparent/,
    );
    // A continuation (clicks: 0) carries visitors only.
    const continuation = { ...rollup, clicks: 0, referrers: [], agents: [], traced: [] };
    assert.equal(parseEvent(urlClicked, batch([continuation])).rollups[0]?.clicks, 0);
    assert.match(
      violation(() => parseEvent(urlClicked, batch([{ ...rollup, clicks: 0, traced: [] }])))[0] ?? '',
      /visitors only/,
    );
    assert.match(
      violation(() => parseEvent(urlClicked, batch([{ ...rollup, day: '2026-13-01' }])))[0] ?? '',
      /day/,
    );
    assert.match(
      violation(() => parseEvent(urlClicked, batch([{ ...rollup, clickId: 'c1' }])))[0] ?? '',
      /clickId/,
    );
  });

  it('decodes only the version a consumer reads', () => {
    assert.deepEqual(
      decodeEvent(notificationRequested, { eventType: 'notification.requested.v1', payload: request }),
      request,
    );
    assert.match(
      violation(() =>
        decodeEvent(notificationRequested, { eventType: 'notification.requested.v2', payload: request }),
      )[0] ?? '',
      /v2/,
    );
    violation(() => decodeEvent(notificationRequested, { eventType: undefined, payload: request }));
  });

  it('names the topics each service creates', () => {
    assert.deepEqual(topicsProducedBy('feed').sort(), [
      'notification.requested',
      'post.created',
      'post.deleted',
    ]);
    assert.deepEqual(topicsProducedBy('url-shortener').sort(), [
      'notification.requested',
      'url.clicked',
      'url.created',
      'url.deleted',
    ]);
    assert.deepEqual(topicsProducedBy('notifications'), []);
  });

  it('keeps schemas/*.json identical to the catalogue (run `npm run schemas -w @lab/events`)', () => {
    for (const contract of ALL_EVENTS) {
      const file = new URL(`../schemas/${contract.eventType}.json`, import.meta.url);
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), jsonSchemaOf(contract), contract.eventType);
    }
  });
});
