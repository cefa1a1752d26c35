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
  MAX_CLICKS_PER_BATCH,
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

  it('refuses a click batch whose visitor id is not a hash (raw addresses must never travel)', () => {
    const click = {
      code: 'abc1234',
      clickedAt: new Date().toISOString(),
      visitorId: '203.0.113.9',
      referrer: null,
      userAgent: null,
      traceparent: null,
    };
    const batch = <T>(clicks: T[]) => ({ batchId: 'b1', clicks });
    assert.match(
      violation(() => toKafkaMessage(urlClicked, batch([click])))[0] ?? '',
      /clicks\.0\.visitorId/,
    );
    const message = toKafkaMessage(urlClicked, batch([{ ...click, visitorId: 'a'.repeat(32) }]), {
      eventId: 'b1',
    });
    assert.equal(message.key, 'b1');
    assert.deepEqual(message.headers, { 'event-id': 'b1', 'event-type': 'url.clicked.v2' });
  });

  it('bounds a click batch: 1..1,000 clicks, a W3C traceparent or null, no unknown fields', () => {
    const click = {
      code: 'abc1234',
      clickedAt: new Date().toISOString(),
      visitorId: 'a'.repeat(32),
      referrer: null,
      userAgent: 'x'.repeat(512),
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    };
    const batch = <T>(clicks: T[]) => ({ batchId: 'b1', clicks });
    assert.equal(parseEvent(urlClicked, batch(Array(MAX_CLICKS_PER_BATCH).fill(click))).clicks.length, 1000);
    assert.match(violation(() => parseEvent(urlClicked, batch([])))[0] ?? '', /clicks/);
    assert.match(violation(() => parseEvent(urlClicked, batch(Array(1001).fill(click))))[0] ?? '', /clicks/);
    assert.match(
      violation(() => parseEvent(urlClicked, batch([{ ...click, traceparent: 'trace-me' }])))[0] ?? '',
      /clicks\.0\.traceparent/,
    );
    assert.match(
      violation(() => parseEvent(urlClicked, batch([{ ...click, userAgent: 'x'.repeat(513) }])))[0] ?? '',
      /clicks\.0\.userAgent/,
    );
    assert.match(
      violation(() => parseEvent(urlClicked, batch([{ ...click, clickId: 'c1' }])))[0] ?? '',
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
