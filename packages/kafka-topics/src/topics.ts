// Topic creation that waits until the topics are usable, and the consumer's wait for topics that
// another service owns. Kafka's CreateTopics answers once the controller has recorded a topic,
// before the broker serving clients knows it; a producer or a group consumer arriving in between
// is refused. The broker learns a new topic in two steps, and each needs its own check:
//   1. the broker's metadata cache learns the topic: until then metadata answers
//      UNKNOWN_TOPIC_OR_PARTITION, then LEADER_NOT_AVAILABLE (checked: every partition has a leader);
//   2. the leader's replica manager starts hosting the partition, a moment after its metadata cache
//      names it leader: until then a produce gets NOT_LEADER_OR_FOLLOWER (checked: the leader
//      answers a ListOffsets request for every partition, which it serves only as the live leader).
// Both are polled (retry-until.ts), bounded by `timeoutMs`.
//
// Side effect of step 2 (KafkaJS's fetchTopicOffsets): a caller's admin keeps these topics in the
// set whose metadata it refreshes. Delete them through that admin (it then forgets them) or use a
// broker list, which gets a short-lived admin.
//
// Trade-off: an existing topic is accepted as it is. A different partition count or config is not
// altered here (repartitioning changes which partition a key lands on, which is a decision, not a
// start-up side effect).
import type { Admin } from 'kafkajs';
import { type AdminTarget, withAdmin } from './admin-target.ts';
import { KafkaTopicsError } from './errors.ts';
import { topicsNotReady } from './leaders.ts';
import { NotReady, retryUntil } from './retry-until.ts';

/** The defaults of TopicSpec and TopicWaitOptions, each with its reason (the types repeat them). */
export const TOPIC_DEFAULTS = {
  /** The lab broker's `num.partitions`: enough to show per-key ordering across partitions. */
  partitions: 3,
  /** The lab runs one broker; production clusters use 3. */
  replicationFactor: 1,
  /**
   * A fresh broker needs seconds to elect leaders and host a new topic; 30 s rides out a slow CI
   * machine and still fails a start-up well before an orchestrator's own start timeout.
   */
  timeoutMs: 30_000,
  /** Names the short-lived admin in broker logs. */
  clientId: 'kafka-topics',
} as const;

export type TopicSpec = {
  topic: string;
  /** @default 3 — TOPIC_DEFAULTS.partitions, the lab broker's `num.partitions`. */
  partitions?: number;
  /** @default 1 — TOPIC_DEFAULTS.replicationFactor: the lab runs one broker; production uses 3. */
  replicationFactor?: number;
  /** Topic-level configs, e.g. `{ name: 'cleanup.policy', value: 'compact' }`. */
  configEntries?: { name: string; value: string }[];
};

export type TopicWaitOptions = {
  /** Bound on the whole call, creation and wait together (ms). @default 30_000 — TOPIC_DEFAULTS.timeoutMs */
  timeoutMs?: number;
  /** Client id of the admin opened when broker addresses are given. @default 'kafka-topics' — TOPIC_DEFAULTS.clientId */
  clientId?: string;
};

/**
 * Creates the topics that do not exist yet, then waits until every partition of every listed topic
 * (new or existing) has a leader that serves it. Returns the names this call created; a topic that
 * another caller created first (TOPIC_ALREADY_EXISTS) counts as existing, which is success. Throws
 * TopicsNotReadyError when `timeoutMs` passes first, and at once on a final error (e.g. an invalid
 * partition count).
 */
export async function ensureTopics(
  target: AdminTarget,
  specs: readonly TopicSpec[],
  options: TopicWaitOptions = {},
): Promise<string[]> {
  if (specs.length === 0) return [];
  const names = topicNames(specs);
  const deadline = Date.now() + (options.timeoutMs ?? TOPIC_DEFAULTS.timeoutMs);
  return withAdmin(target, options.clientId ?? TOPIC_DEFAULTS.clientId, async (admin) => {
    const existing = new Set(await retryUntil(deadline, 'listing topics', () => admin.listTopics()));
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    const createdFlags = await Promise.all(missing.map((spec) => createOne(admin, spec, deadline)));
    await waitUntilUsable(admin, names, deadline);
    return missing.filter((_, i) => createdFlags[i]).map((spec) => spec.topic);
  });
}

/**
 * For a consumer of topics another service owns: waits until each topic exists and every partition
 * has a leader, bounded by `timeoutMs`. It never creates a topic: a typo then fails with the name
 * in the error instead of creating a stray topic nobody produces to.
 */
export async function waitForTopics(
  target: AdminTarget,
  topics: readonly string[],
  options: TopicWaitOptions = {},
): Promise<void> {
  if (topics.length === 0) return;
  const deadline = Date.now() + (options.timeoutMs ?? TOPIC_DEFAULTS.timeoutMs);
  await withAdmin(target, options.clientId ?? TOPIC_DEFAULTS.clientId, (admin) =>
    waitUntilUsable(admin, [...new Set(topics)], deadline),
  );
}

/** true when this request created the topic, false when it already existed. */
function createOne(admin: Admin, spec: TopicSpec, deadline: number): Promise<boolean> {
  return retryUntil(deadline, `creating ${spec.topic}`, () =>
    admin.createTopics({
      // Off: KafkaJS's own wait retries only LEADER_NOT_AVAILABLE (see transient.ts).
      waitForLeaders: false,
      // The broker's own bound on the request; KafkaJS resolves false on TOPIC_ALREADY_EXISTS.
      timeout: Math.max(1_000, Math.min(deadline - Date.now(), 10_000)),
      topics: [
        {
          topic: spec.topic,
          numPartitions: spec.partitions ?? TOPIC_DEFAULTS.partitions,
          replicationFactor: spec.replicationFactor ?? TOPIC_DEFAULTS.replicationFactor,
          ...(spec.configEntries ? { configEntries: spec.configEntries } : {}),
        },
      ],
    }),
  );
}

function waitUntilUsable(admin: Admin, topics: string[], deadline: number): Promise<void> {
  return retryUntil(deadline, `waiting until ${topics.join(', ')} can be used`, async () => {
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
    const notReady = topicsNotReady(topics, metadata);
    if (notReady.length > 0) return new NotReady(notReady.join('; '));
    // Throws NOT_LEADER_FOR_PARTITION (transient) while a leader does not host its partition yet.
    await Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic)));
    return undefined;
  });
}

function topicNames(specs: readonly TopicSpec[]): string[] {
  const names = specs.map((spec) => spec.topic);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new KafkaTopicsError('TOPICS_INVALID_SPEC', `kafka-topics: topic ${duplicate} is listed twice`);
  }
  return names;
}
