// Which Kafka topics the service creates at start-up: its own notify.* lanes and their DLQs, and
// never notification.requested, which belongs to its producers (url-shortener, feed). A consumer
// that created it would hide a producer's typo or a missing producer behind an empty topic.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestBed, type TestBed } from './support/testbed.ts';

let bed: TestBed;

before(async () => {
  bed = await createTestBed('notif_topics');
});
after(() => bed.cleanup());

test('creates its lanes and their dead-letter topics, not notification.requested', async () => {
  // A prefix of its own under the bed's (so cleanup still removes it), where nobody created
  // notification.requested; with Kafka intake off the service does not wait for it either.
  const prefix = `${bed.topicPrefix}solo.`;
  await bed.start({ KAFKA_TOPIC_PREFIX: prefix, INTAKE_FROM_KAFKA: 'false' });
  const admin = bed.kafka.kafka.admin();
  await admin.connect();
  try {
    const ours = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix)).sort();
    assert.ok(ours.includes(`${prefix}notify.sms.high`), ours.join(', '));
    assert.ok(ours.includes(`${prefix}notify.sms.high.dlq`), ours.join(', '));
    assert.ok(
      ours.every((topic) => topic.startsWith(`${prefix}notify.`)),
      `only notify.* topics: ${ours.join(', ')}`,
    );
  } finally {
    await admin.disconnect();
  }
});
