// Kafka consumer lag, read from the broker: for every partition a lab consumer group has offsets
// in, the log-end offset minus the group's committed offset. Measured outside the consumers on
// purpose: a consumer that is stuck, crashed or cut off from Kafka cannot report its own lag, and
// that is exactly when lag matters. The metric name and labels are kafka_exporter's
// (`kafka_consumergroup_lag{consumergroup,topic,partition}`), so the compose lab runs that
// exporter and one dashboard and one alert rule read both.
//
// Bounded labels: only groups whose names start with a lab service's name are exported (a test
// broker holds thousands of throw-away groups), and a group only has the topics it consumes.
import { type Admin, AssignerProtocol, type GroupDescription } from 'kafkajs';

export type PartitionLag = { group: string; topic: string; partition: number; lag: number };

export const LAG_METRIC = 'kafka_consumergroup_lag';

/** Groups of the lab's Kafka consumers: `<service>.<what>` or `<service>-<what>`. */
export function labGroupFilter(services: readonly string[]): RegExp {
  return new RegExp(`^(${services.map((s) => s.replace(/[^a-z0-9-]/g, '')).join('|')})[.-]`);
}

/** Lag per partition; a partition the group never committed counts everything retained as unread. */
export function partitionLags(
  group: string,
  topic: string,
  committed: readonly { partition: number; offset: string }[],
  ends: readonly { partition: number; high: string; low: string }[],
): PartitionLag[] {
  return ends.map((end) => {
    const offset = Number(committed.find((c) => c.partition === end.partition)?.offset ?? -1);
    const from = offset >= 0 ? offset : Number(end.low);
    return { group, topic, partition: end.partition, lag: Math.max(0, Number(end.high) - from) };
  });
}

/** Topics the group's live members are assigned, from their consumer-protocol assignments. */
export function assignedTopics(group: GroupDescription): string[] {
  if (group.protocolType !== 'consumer') return [];
  const topics = new Set<string>();
  for (const member of group.members) {
    if (member.memberAssignment.length === 0) continue; // joined, not yet assigned
    const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
    for (const topic of Object.keys(decoded?.assignment ?? {})) topics.add(topic);
  }
  return [...topics];
}

/**
 * Lag of every lab group on every topic it has committed offsets in or is assigned now. A group
 * that has joined but not yet committed (a fresh lab, nothing produced yet) gets its series at
 * once, at 0 on empty topics, rather than only after its first commit.
 */
export async function readLag(admin: Admin, groups: RegExp): Promise<PartitionLag[]> {
  const { groups: all } = await admin.listGroups();
  const ids = all.map((g) => g.groupId).filter((id) => groups.test(id));
  if (ids.length === 0) return [];
  const { groups: described } = await admin.describeGroups(ids);
  const lags: PartitionLag[] = [];
  for (const groupId of ids) {
    const committed = (await admin.fetchOffsets({ groupId })).map((entry) => entry.topic);
    const assigned = assignedTopics(described.find((g) => g.groupId === groupId) as GroupDescription);
    const topics = [...new Set([...committed, ...assigned])];
    if (topics.length === 0) continue;
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
      const ends = await admin.fetchTopicOffsets(topic);
      lags.push(...partitionLags(groupId, topic, partitions, ends));
    }
  }
  return lags;
}
