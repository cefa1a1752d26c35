// Consumer lag arithmetic and the group filter that keeps the exporter's labels bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labGroupFilter, partitionLags } from '../src/kafka-lag.ts';

describe('consumer lag', () => {
  it('is the log end minus the committed offset, and everything retained when nothing is committed', () => {
    const ends = [
      { partition: 0, high: '10', low: '0' },
      { partition: 1, high: '7', low: '4' },
      { partition: 2, high: '5', low: '5' },
    ];
    assert.deepEqual(
      partitionLags(
        'feed-fanout',
        'post.created',
        [
          { partition: 0, offset: '8' },
          { partition: 1, offset: '-1' },
        ],
        ends,
      ).map((lag) => lag.lag),
      [2, 3, 0],
    );
  });

  it("exports only the lab services' groups", () => {
    const filter = labGroupFilter(['url-shortener', 'notifications', 'feed']);
    for (const group of [
      'feed-fanout',
      'feed-fanout.deletes',
      'notifications.intake',
      'url-shortener.click-aggregator',
    ])
      assert.ok(filter.test(group), group);
    for (const group of ['feedback', 'test_group_ab12', 'x.feed-fanout', 'notificationsintake'])
      assert.ok(!filter.test(group), group);
  });
});
