// X-Request-Id acceptance rules: which caller ids are kept and which are replaced by a UUID.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidRequestId, resolveRequestId } from '../src/index.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request id', () => {
  it('accepts ids made of safe characters up to 128 long', () => {
    for (const id of ['abc', '550e8400-e29b-41d4-a716-446655440000', 'trace:1.2_3', 'x'.repeat(128)]) {
      assert.equal(isValidRequestId(id), true, id);
      assert.equal(resolveRequestId(id), id);
    }
  });

  it('replaces missing, empty, oversized or unsafe ids with a fresh UUID', () => {
    for (const id of [undefined, '', 'x'.repeat(129), 'a b', 'a\nfake log line', '<script>', 'é']) {
      assert.equal(isValidRequestId(id), false, String(id));
      assert.match(resolveRequestId(id), UUID);
    }
  });

  it('uses the first of repeated headers', () => {
    assert.equal(resolveRequestId(['first', 'second']), 'first');
  });
});
