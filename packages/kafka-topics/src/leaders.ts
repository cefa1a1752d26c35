// Is a topic usable yet? Pure, so the rule is unit-tested without a broker: every requested
// topic appears in the metadata, has at least one partition, and every partition has a leader
// (a node id >= 0) and no error. Producers and consumers talk only to a partition's leader, so
// until then a fresh topic can refuse them.

export type PartitionMetadataLike = { partitionId: number; leader: number; partitionErrorCode?: number };
export type TopicMetadataLike = { name: string; partitions: PartitionMetadataLike[] };

/** The topics among `wanted` that are not usable yet, each with the reason, in `wanted` order. */
export function topicsNotReady(wanted: readonly string[], metadata: readonly TopicMetadataLike[]): string[] {
  const byName = new Map(metadata.map((topic) => [topic.name, topic]));
  const notReady: string[] = [];
  for (const name of wanted) {
    const topic = byName.get(name);
    if (!topic) notReady.push(`${name} (not in metadata)`);
    else if (topic.partitions.length === 0) notReady.push(`${name} (no partitions)`);
    else {
      const leaderless = topic.partitions
        .filter((p) => p.leader < 0 || (p.partitionErrorCode ?? 0) !== 0)
        .map((p) => p.partitionId);
      if (leaderless.length > 0) notReady.push(`${name} (no leader for partitions ${leaderless.join(',')})`);
    }
  }
  return notReady;
}
