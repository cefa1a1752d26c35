// The stored form of an entry (codec.ts): round trips, "not found", malformed or hostile text read as a miss.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEntry, encodeEntry } from '../src/codec.ts';
import type { Entry } from '../src/entry.ts';
import { jsonSerializer, type Serializer } from '../src/serializer.ts';

const entry: Entry = {
  value: { url: 'https://example.com/a|b', tags: ['x'], note: 'line\nbreak' },
  notFound: false,
  createdAt: 1_700_000_000_000,
  expiresAt: 1_700_000_060_000,
  delta: 12.6,
  tags: ['post.1', 'user.2'],
};

describe('entry serialization', () => {
  it('round-trips a value whose payload contains the header separator and newlines', () => {
    const text = encodeEntry(entry, jsonSerializer);
    assert.ok(text.startsWith('1|1700000000000|1700000060000|13|v|post.1,user.2|'));
    assert.deepEqual(decodeEntry(text, jsonSerializer), { ...entry, delta: 13 });
  });

  it('stores "not found" without a payload', () => {
    const missing: Entry = { ...entry, value: undefined, notFound: true, tags: undefined };
    const text = encodeEntry(missing, jsonSerializer);
    assert.equal(text, '1|1700000000000|1700000060000|13|n||');
    assert.deepEqual(decodeEntry(text, jsonSerializer), { ...missing, delta: 13 });
  });

  it('treats anything malformed as a miss instead of throwing', () => {
    for (const bad of [
      '',
      'hello',
      '2|1|2|3|v||"x"',
      '1|a|2|3|v||"x"',
      '1|1|2|3|q||"x"',
      '1|1|2|3|v||{not json',
    ]) {
      assert.equal(decodeEntry(bad, jsonSerializer), undefined, bad);
    }
  });

  it('never evaluates what Redis returns: JSON text stays data', () => {
    const hostile = '1|1|2|0|v||{"__proto__":{"polluted":true},"constructor":"x"}';
    const decoded = decodeEntry(hostile, jsonSerializer);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(decoded?.value), Object.prototype);
  });

  it('uses a pluggable serializer for the payload only', () => {
    const upper: Serializer = {
      serialize: (value) => String(value).toUpperCase(),
      deserialize: (text) => text.toLowerCase(),
    };
    const text = encodeEntry({ ...entry, value: 'abc', tags: undefined }, upper);
    assert.ok(text.endsWith('|v||ABC'));
    assert.equal(decodeEntry(text, upper)?.value, 'abc');
  });
});
