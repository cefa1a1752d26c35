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

  it('refuses a click whose visitor id is not a hash (raw addresses must never travel)', () => {
    const click = {
      clickId: 'c1',
      code: 'abc1234',
      clickedAt: new Date().toISOString(),
      visitorId: '203.0.113.9',
      referrer: null,
      userAgent: null,
    };
    assert.match(violation(() => toKafkaMessage(urlClicked, click))[0] ?? '', /visitorId/);
    const message = toKafkaMessage(urlClicked, { ...click, visitorId: 'a'.repeat(32) }, { eventId: 'e1' });
    assert.equal(message.key, 'abc1234');
    assert.deepEqual(message.headers, { 'event-id': 'e1', 'event-type': 'url.clicked.v1' });
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
