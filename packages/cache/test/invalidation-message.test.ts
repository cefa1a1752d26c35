// The pub/sub invalidation message format: every kind round-trips; anything malformed is ignored.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeInvalidation, encodeInvalidation, type Invalidation } from '../src/invalidation-bus.ts';

describe('invalidation messages', () => {
  it('round-trips every kind with its origin', () => {
    const messages: Invalidation[] = [
      { kind: 'keys', keys: ['p:k:a', 'p:k:b'] },
      { kind: 'namespace', namespace: 'user-1' },
      { kind: 'tag', tag: 'post.9' },
    ];
    for (const message of messages) {
      assert.deepEqual(decodeInvalidation(encodeInvalidation('me', message)), { origin: 'me', message });
    }
  });

  it('ignores malformed messages', () => {
    for (const bad of [
      '',
      'nope',
      'null',
      '[]',
      '{"k":["a"]}',
      '{"o":"x"}',
      '{"o":"x","k":[1]}',
      '{"o":1,"g":"t"}',
    ]) {
      assert.equal(decodeInvalidation(bad), undefined, bad);
    }
  });
});
