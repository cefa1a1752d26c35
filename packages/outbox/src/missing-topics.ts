// When does a topic count as missing? Only once admin metadata has shown it absent, without a
// break, for `graceMs`. A broker that has just started, or a topic created a moment ago, can be
// briefly absent from metadata; treating the first "unknown topic" as final would park or halt
// on events whose topic is about to appear.
//
// "Without a break": sightings further apart than the grace period do not make one long absence
// (the relay may have been busy elsewhere meanwhile, and the topic may have existed in between).
// Seeing the topic present forgets it. The clock is passed in, so the rule is tested without waiting.

export type MissingTopicClock = {
  /** Records one sighting; returns for how long (ms) the topic has been absent, 0 if present or new. */
  observe(topic: string, present: boolean, now: number): number;
  /** True once the topic has been absent for the whole grace period. */
  isMissing(topic: string, now: number): boolean;
};

export function createMissingTopicClock(graceMs: number): MissingTopicClock {
  const absent = new Map<string, { since: number; lastSeen: number }>();
  const current = (topic: string, now: number) => {
    const entry = absent.get(topic);
    return entry && now - entry.lastSeen <= graceMs ? entry : undefined;
  };
  return {
    observe(topic, present, now) {
      if (present) {
        absent.delete(topic);
        return 0;
      }
      const entry = current(topic, now) ?? { since: now, lastSeen: now };
      entry.lastSeen = now;
      absent.set(topic, entry);
      return now - entry.since;
    },
    isMissing(topic, now) {
      const entry = current(topic, now);
      return entry !== undefined && entry.lastSeen - entry.since >= graceMs;
    },
  };
}
