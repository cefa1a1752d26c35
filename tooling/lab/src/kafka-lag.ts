// Kafka consumer lag, read from the broker: for every partition a lab consumer group has offsets
// in, the log-end offset minus the group's committed offset. Measured outside the consumers on
// purpose: a consumer that is stuck, crashed or cut off from Kafka cannot report its own lag, and
// that is exactly when lag matters. The metric name and labels are kafka_exporter's
// (`kafka_consumergroup_lag{consumergroup,topic,partition}`), so the compose lab runs that
// exporter and one dashboard and one alert rule read both.
//
// Bounded labels: only groups whose names start with a lab service's name are exported (a test
// broker holds thousands of throw-away groups), and a group only has the topics it consumes.
import type { Admin } from 'kafkajs';

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

export async function readLag(admin: Admin, groups: RegExp): Promise<PartitionLag[]> {
  const { groups: all } = await admin.listGroups();
  const lags: PartitionLag[] = [];
  for (const { groupId } of all.filter((g) => groups.test(g.groupId))) {
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
      const ends = await admin.fetchTopicOffsets(topic);
      lags.push(...partitionLags(groupId, topic, partitions, ends));
    }
  }
  return lags;
}
