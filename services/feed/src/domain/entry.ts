// A feed entry as every layer sees it: a post id and its score (creation time in epoch ms). The
// order is (score, id) descending everywhere: Redis sorted sets order equal scores by member, the
// Postgres queries order by (score DESC, id DESC), and the merge below compares the same pair. One
// total order is what makes a cursor exact.
export type Entry = { id: string; score: number };

/** Negative when a comes first in a feed (newer), positive when b does, 0 for the same entry. */
export function compareEntries(a: Entry, b: Entry): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** True when `entry` comes strictly after `position` in feed order (is older than it). */
export function isAfter(entry: Entry, position: Entry | undefined): boolean {
  return position === undefined || compareEntries(position, entry) < 0;
}
