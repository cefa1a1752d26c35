// The "usable" rule: every wanted topic is in the metadata with partitions, each led and error-free.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { topicsNotReady } from '../src/index.ts';

const led = (partitionId: number) => ({ partitionId, leader: 1, partitionErrorCode: 0 });

describe('topicsNotReady', () => {
  it('is empty when every partition of every wanted topic has a leader', () => {
    assert.deepEqual(
      topicsNotReady(
        ['a', 'b'],
        [
          { name: 'a', partitions: [led(0), led(1)] },
          { name: 'b', partitions: [led(0)] },
        ],
      ),
      [],
    );
  });

  it('names a topic missing from the metadata', () => {
    assert.deepEqual(topicsNotReady(['a', 'b'], [{ name: 'a', partitions: [led(0)] }]), [
      'b (not in metadata)',
    ]);
  });

  it('names a topic without partitions, and the partitions without a leader or with an error', () => {
    const metadata = [
      { name: 'empty', partitions: [] },
      {
        name: 'electing',
        partitions: [
          led(0),
          { partitionId: 1, leader: -1 },
          { partitionId: 2, leader: 1, partitionErrorCode: 5 },
        ],
      },
    ];
    assert.deepEqual(topicsNotReady(['empty', 'electing'], metadata), [
      'empty (no partitions)',
      'electing (no leader for partitions 1,2)',
    ]);
  });
});
