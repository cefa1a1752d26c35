// Replays a dead-letter topic into the topic its messages came from, once the bug that put them
// there is fixed. It reads `<topic>.dlq` with its own consumer group, so a message is replayed once
// even if the command runs again; it stops when it reached the end the DLQ had when it started.
// Replayed messages keep key, value and original headers (event-id included, so an idempotent
// consumer that did process one of them meanwhile skips it), minus the dlq-* triage headers.
//
// Order: a replayed event lands after everything its aggregate produced since it failed. Consumers
// whose state machines cannot accept that must park the aggregate instead (not done here).
import type { Kafka } from 'kafkajs';
import { dlqTopicFor, replayHeaders } from './dlq.ts';
import { headersToStrings } from './kafka-headers.ts';
import { createProducerSession, sendWithSession } from './producer-session.ts';
import { requireDuration, requireNonEmptyString, requirePresent, requireTopic } from './validate.ts';

/** replayDlq's defaults, each with its reason; ReplayDlqOptions repeats them as `@default`. */
export const REPLAY_DEFAULTS = {
  /** A minute replays a large DLQ yet returns the command to the operator if the broker is stuck. */
  timeoutMs: 60_000,
  /** Short fetch wait: the replay disconnects as soon as it is done, and disconnect waits for the fetch. */
  fetchMaxWaitMs: 250,
} as const;

export type ReplayDlqOptions = {
  kafka: Kafka;
  /** The original topic; the DLQ read is `<topic>.dlq`. */
  topic: string;
  /** Consumer group that remembers how far the DLQ was replayed. @default `<topic>.dlq.replay` */
  groupId?: string;
  /** Give up (and commit what was replayed) after this long (ms). @default 60_000 */
  timeoutMs?: number;
};

export type ReplayResult = { replayed: number; dlqTopic: string };

export async function replayDlq({
  kafka,
  topic,
  groupId,
  timeoutMs = REPLAY_DEFAULTS.timeoutMs,
}: ReplayDlqOptions): Promise<ReplayResult> {
  requirePresent('kafka', kafka);
  requireTopic('topic', topic);
  if (groupId !== undefined) requireNonEmptyString('groupId', groupId);
  requireDuration('timeoutMs', timeoutMs);
  const dlqTopic = dlqTopicFor(topic);
  const group = groupId ?? `${dlqTopic}.replay`;
  const remaining = await pendingPartitions(kafka, dlqTopic, group);
  if (remaining.size === 0) return { replayed: 0, dlqTopic };

  const session = createProducerSession(kafka, { retries: 5 });
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: REPLAY_DEFAULTS.fetchMaxWaitMs });
  let replayed = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const timer = setTimeout(finish, timeoutMs);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: dlqTopic, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommitThreshold: 1,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        const end = remaining.get(batch.partition);
        if (end === undefined) return;
        // Only what was in the DLQ when the replay started; later dead letters wait for the next run.
        const due = batch.messages.filter((message) => BigInt(message.offset) < end);
        if (due.length > 0) {
          await sendWithSession(session, (producer) =>
            producer.sendBatch({
              acks: -1,
              topicMessages: due.map((message) => {
                const headers = headersToStrings(message.headers);
                return {
                  topic: headers['dlq-original-topic'] ?? topic,
                  messages: [{ key: message.key, value: message.value, headers: replayHeaders(headers) }],
                };
              }),
            }),
          );
          replayed += due.length;
          resolveOffset((due[due.length - 1] as { offset: string }).offset);
          await commitOffsetsIfNecessary();
        }
        // Judged by the batch, not by `due`: a batch entirely past the end also means done.
        const last = batch.messages[batch.messages.length - 1];
        if (last && BigInt(last.offset) + 1n >= end) remaining.delete(batch.partition);
        if (remaining.size === 0) finish();
      },
    });
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
    await session.reset();
  }
  return { replayed, dlqTopic };
}

// Partition -> end offset (exclusive) still to replay, from the group's committed offsets.
async function pendingPartitions(
  kafka: Kafka,
  dlqTopic: string,
  groupId: string,
): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // No DLQ topic yet: nothing was ever dead-lettered (asking for its offsets would only retry
    // "unknown topic" for seconds and fail).
    if (!(await admin.listTopics()).includes(dlqTopic)) return new Map();
    const ends = await admin.fetchTopicOffsets(dlqTopic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [dlqTopic] });
    const pending = new Map<number, bigint>();
    for (const { partition, high, low } of ends) {
      const done = committed?.partitions.find((entry) => entry.partition === partition)?.offset ?? '-1';
      // Retention may have deleted messages past the committed offset: nothing before `low` can come.
      const from = BigInt(done) < BigInt(low) ? BigInt(low) : BigInt(done);
      if (BigInt(high) > from) pending.set(partition, BigInt(high));
    }
    return pending;
  } finally {
    await admin.disconnect();
  }
}
