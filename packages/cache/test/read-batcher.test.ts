// Batching L2 reads issued in the same tick into one MGET: order, shared failure, the batch cap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReadBatcher } from '../src/read-batcher.ts';

describe('L2 read batching', () => {
  it('sends reads issued in the same tick as one batch, answers in order', async () => {
    const batches: string[][] = [];
    const get = createReadBatcher(async (keys) => {
      batches.push(keys);
      return keys.map((key) => (key === 'missing' ? null : `v:${key}`));
    });
    const values = await Promise.all([get('a'), get('missing'), get('b')]);
    assert.deepEqual(values, ['v:a', null, 'v:b']);
    assert.deepEqual(batches, [['a', 'missing', 'b']]);
    assert.equal(await get('c'), 'v:c');
    assert.deepEqual(batches.at(-1), ['c'], 'a lone read is its own batch');
  });

  it('fails every read of a failed batch', async () => {
    const get = createReadBatcher(async () => {
      throw new Error('redis down');
    });
    const results = await Promise.allSettled([get('a'), get('b')]);
    assert.ok(results.every((r) => r.status === 'rejected' && /redis down/.test(String(r.reason))));
  });

  it('caps a batch at 256 keys', async () => {
    const sizes: number[] = [];
    const get = createReadBatcher(async (keys) => {
      sizes.push(keys.length);
      return keys;
    });
    await Promise.all(Array.from({ length: 300 }, (_, i) => get(String(i))));
    assert.deepEqual(sizes, [256, 44]);
  });
});
