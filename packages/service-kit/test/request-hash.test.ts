// The Idempotency-Key request fingerprint: equal for the same JSON in another key order,
// different for any changed value, method or URL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, requestHash } from '../src/index.ts';

describe('requestHash', () => {
  it('ignores key order but not values', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } }),
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
    const base = requestHash('POST', '/v1/links', { url: 'https://a', alias: 'x' });
    assert.equal(requestHash('post', '/v1/links', { alias: 'x', url: 'https://a' }), base);
    assert.notEqual(requestHash('POST', '/v1/links', { url: 'https://b', alias: 'x' }), base);
    assert.notEqual(requestHash('POST', '/v1/other', { url: 'https://a', alias: 'x' }), base);
    assert.notEqual(requestHash('PUT', '/v1/links', { url: 'https://a', alias: 'x' }), base);
  });

  it('tells an empty body from an empty object', () => {
    assert.notEqual(requestHash('POST', '/x', undefined), requestHash('POST', '/x', {}));
  });
});
