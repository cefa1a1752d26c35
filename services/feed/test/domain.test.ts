// Pure logic: the (score, id) order, the cursor codec, the k-way merge, derived ids, SSE framing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCursor, encodeCursor } from '../src/domain/cursor.ts';
import { compareEntries, type Entry, isAfter } from '../src/domain/entry.ts';
import { followRequestId, nameBasedUuid, newPostId } from '../src/domain/ids.ts';
import { mergeSources } from '../src/domain/merge.ts';
import { compareStreamIds, eventFrame, isStreamId } from '../src/domain/sse.ts';

const e = (score: number, id: string): Entry => ({ score, id });

describe('feed order', () => {
  test('newer first; equal scores by id descending, as Redis ZRANGE REV orders them', () => {
    const sorted = [e(1, 'a'), e(3, 'a'), e(2, 'b'), e(2, 'c')].sort(compareEntries);
    assert.deepEqual(sorted, [e(3, 'a'), e(2, 'c'), e(2, 'b'), e(1, 'a')]);
    assert.equal(isAfter(e(2, 'b'), e(2, 'c')), true);
    assert.equal(isAfter(e(2, 'c'), e(2, 'c')), false);
    assert.equal(isAfter(e(9, 'z'), undefined), true);
  });
});

describe('cursor', () => {
  test('round-trips a position', () => {
    const position = e(1_764_000_000_123, 'Ab_-9');
    assert.deepEqual(decodeCursor(encodeCursor(position)), position);
  });

  test('refuses anything it did not write', () => {
    const bad = [
      '',
      '!',
      'x'.repeat(121),
      Buffer.from('12').toString('base64url'),
      Buffer.from('-1:a').toString('base64url'),
      Buffer.from('01:a').toString('base64url'),
      Buffer.from('1:').toString('base64url'),
      Buffer.from('1:a b').toString('base64url'),
      Buffer.from('99999999999999999:a').toString('base64url'),
      Buffer.from(`1:${'a'.repeat(65)}`).toString('base64url'),
    ];
    for (const text of bad) assert.equal(decodeCursor(text), undefined, text);
  });
});

describe('mergeSources', () => {
  test('k sorted sources -> the first `limit` of their union, in order', () => {
    const timeline = [e(10, 'a'), e(7, 'b'), e(3, 'c')];
    const celebrity = [e(9, 'x'), e(8, 'y'), e(1, 'z')];
    const other = [e(7, 'c')];
    assert.deepEqual(mergeSources([timeline, celebrity, other], 5), [
      e(10, 'a'),
      e(9, 'x'),
      e(8, 'y'),
      e(7, 'c'),
      e(7, 'b'),
    ]);
    assert.deepEqual(mergeSources([timeline, celebrity, other], 100).length, 7);
  });

  test('an entry in two sources is emitted once', () => {
    assert.deepEqual(mergeSources([[e(5, 'p'), e(4, 'q')], [e(5, 'p')], []], 10), [e(5, 'p'), e(4, 'q')]);
  });

  test('no sources, empty sources, zero limit', () => {
    assert.deepEqual(mergeSources([], 5), []);
    assert.deepEqual(mergeSources([[], []], 5), []);
    assert.deepEqual(mergeSources([[e(1, 'a')]], 0), []);
  });
});

describe('ids', () => {
  test('post ids fit the event contract and do not repeat', () => {
    const ids = new Set(Array.from({ length: 1_000 }, newPostId));
    assert.equal(ids.size, 1_000);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{1,64}$/);
  });

  test('a follow request id is a v5-layout UUID, the same for the same pair only', () => {
    const id = followRequestId('ann', 'bob');
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(followRequestId('ann', 'bob'), id);
    assert.notEqual(followRequestId('bob', 'ann'), id);
    // The separator keeps ("a", "bc") and ("ab", "c") apart.
    assert.notEqual(followRequestId('a', 'bc'), followRequestId('ab', 'c'));
    assert.notEqual(nameBasedUuid('x'), nameBasedUuid('y'));
  });
});

describe('sse', () => {
  test('stream ids compare numerically, not as text', () => {
    assert.ok(compareStreamIds('9-0', '10-0') < 0);
    assert.ok(compareStreamIds('10-2', '10-10') < 0);
    assert.equal(compareStreamIds('5-5', '5-5'), 0);
    assert.equal(isStreamId('1-0'), true);
    assert.equal(isStreamId('1'), false);
    assert.equal(isStreamId('1-0\nid: 2'), false);
  });

  test('a frame keeps its JSON on one data line', () => {
    assert.equal(
      eventFrame({ id: '1-0', event: 'post', data: { body: 'two\nlines' } }),
      'id: 1-0\nevent: post\ndata: {"body":"two\\nlines"}\n\n',
    );
    assert.equal(eventFrame({ event: 'reset', data: {} }), 'event: reset\ndata: {}\n\n');
  });
});
