// The k-way merge at the heart of the hybrid read: the user's pushed timeline and each followed
// celebrity's recent posts are separate sorted lists; the page is the first `limit` entries of
// their union in feed order. Each source list is already sorted, so a merge of k lists of at
// most `limit` entries costs O(limit · log k) with a heap; k is small (the celebrities a user
// follows), so a linear pick of the best head is as fast and easier to read.
//
// The same post can sit in two sources (an author who crossed the threshold has older posts in
// timelines and newer ones in the recent set; the Postgres fallback overlaps the timeline), so
// equal entries are emitted once.
import { compareEntries, type Entry } from './entry.ts';

export function mergeSources(sources: readonly (readonly Entry[])[], limit: number): Entry[] {
  const heads = sources.map(() => 0);
  const out: Entry[] = [];
  while (out.length < limit) {
    let best = -1;
    for (let s = 0; s < sources.length; s += 1) {
      const candidate = sources[s]?.[heads[s] as number];
      if (candidate === undefined) continue;
      const current = best < 0 ? undefined : sources[best]?.[heads[best] as number];
      if (current === undefined || compareEntries(candidate, current) < 0) best = s;
    }
    if (best < 0) break;
    const next = sources[best]?.[heads[best] as number] as Entry;
    heads[best] = (heads[best] as number) + 1;
    const last = out[out.length - 1];
    if (last === undefined || compareEntries(last, next) !== 0) out.push(next);
  }
  return out;
}
