// Counting at scrape time: the one way a hot path in the lab counts. prom-client's labelled
// `inc()` hashes the label set on every call (~150-200 ns, the largest single cost of a rate-limit
// check in a profile, as much as a whole closed-breaker call), so a hot path adds 1 to a plain
// number field (a *tally*) and the counter is brought up to date when Prometheus scrapes, through
// the counter's `collect` hook.
//
// Each component (a limiter, a cache, a breaker) takes its own group of tallies on a shared
// counter; the counter holds the groups through WeakRefs, so a dropped component can still be
// garbage-collected (a strong set of every instance was a memory leak in opossum, #363). The price:
// counts made since the last scrape by a component that was collected are lost; these components
// live as long as the clients they wrap, so in practice nothing is.
import type { Counter, Registry } from 'prom-client';
import { counter, type MetricConfig } from './get-or-create.ts';

/** One label set's count not yet added to its counter. Hot paths keep a reference and add to `value`. */
export type Tally = { value: number };

export type TallyGroup<L extends string> = {
  /**
   * The tally for one label set, created on first use. `key` identifies the label set cheaply
   * (callers join the label values); `labels` is only called the first time. Keep the returned
   * tally to skip even the map lookup on the hot path.
   */
  tally(key: string, labels: () => Record<L, string>): Tally;
  readonly counter: Counter<L>;
};

type Entry<L extends string> = { labels: Record<L, string>; tally: Tally };
type Group<L extends string> = { entries: Map<string, Entry<L>> };

/** Every counter's groups, flushed by the counter's collect hook. */
const groupsOf = new WeakMap<Counter<string>, Set<WeakRef<Group<string>>>>();

function flush(target: Counter<string>): void {
  const groups = groupsOf.get(target);
  if (!groups) return;
  for (const ref of groups) {
    const group = ref.deref();
    if (!group) {
      groups.delete(ref);
      continue;
    }
    for (const entry of group.entries.values()) {
      // inc(…, 0) still creates the series, so it is visible from the first scrape on.
      target.inc(entry.labels, entry.tally.value);
      entry.tally.value = 0;
    }
  }
}

/**
 * A new group of tallies on the counter `config.name` of `registry` (created on first use, reused
 * after: many components share one counter and tell their series apart by a label of their own).
 */
export function scrapedCounter<L extends string>(
  registry: Registry,
  config: Omit<MetricConfig<L>, 'collect'>,
): TallyGroup<L> {
  const created: Counter<L> = counter(registry, {
    ...config,
    collect: () => flush(created as Counter<string>),
  });
  const group: Group<L> = { entries: new Map() };
  let groups = groupsOf.get(created as Counter<string>);
  if (!groups) {
    groups = new Set();
    groupsOf.set(created as Counter<string>, groups);
  }
  groups.add(new WeakRef(group as Group<string>));
  return {
    counter: created,
    tally(key, labels) {
      let entry = group.entries.get(key);
      if (!entry) {
        entry = { labels: labels(), tally: { value: 0 } };
        group.entries.set(key, entry);
      }
      return entry.tally;
    },
  };
}
