// Counting at scrape time: the one way a hot path in the lab counts. prom-client's labelled
// `inc()` hashes the label set on every call (~150-200 ns, the largest single cost of a rate-limit
// check in a profile, as much as a whole closed-breaker call), so a hot path adds 1 to a plain
// number field (a *tally*) and the counter catches up when Prometheus scrapes, through the
// counter's `collect` hook: each tally remembers how much of it the counter has already been given.
//
// Many components (caches, limiters, breakers) share one counter and tell their series apart by a
// label of their own; each component has its own group of tallies. The counter holds each group
// through a WeakRef, so a dropped component can still be garbage-collected (a strong set of every
// instance was a memory leak in opossum, #363), and every tally holds its group, so a component
// keeps its counts flowing simply by holding its tallies, which it must do anyway to count. One
// WeakRef per group rather than per tally: a breaker's five tallies would otherwise cost it ~200
// bytes more (bench/heap-per-breaker.ts). The price: counts a component made since the last scrape
// are lost if it is collected first; these components live as long as the clients they wrap, so in
// practice nothing is.
import type { Counter, Registry } from 'prom-client';
import { counter, type MetricConfig } from './get-or-create.ts';
import { scrapeState } from './scrape-state.ts';

/**
 * One label set's count. Hot paths keep a reference and add to `value`, which counts from the
 * tally's creation on; the counter is brought up to `value` at every scrape.
 */
export type Tally = { value: number };

export type TallyGroup<L extends string> = {
  /**
   * The tally for one label set, created on first use. `key` identifies the label set cheaply
   * (callers join the label values); `labels` is only called the first time. Keep the returned
   * tally: it skips even the map lookup on the hot path, and it is what keeps the tally counted.
   */
  tally(key: string, labels: () => Record<L, string>): Tally;
  readonly counter: Counter<L>;
};

/** A component's tallies on one counter, by key: what the counter holds weakly, each tally strongly. */
type Group = Map<string, CountedTally>;

class CountedTally implements Tally {
  value = 0;
  /** How much of `value` the counter already holds. */
  flushed = 0;
  readonly labels: Record<string, string>;
  /** Holding a tally holds its group, which the counter only holds weakly. */
  readonly group: Group;

  constructor(labels: Record<string, string>, group: Group) {
    this.labels = labels;
    this.group = group;
  }
}

type Groups = Set<WeakRef<Group>>;

const groupsOf = new WeakMap<Counter<string>, Groups>();

function flush(target: Counter<string>, groups: Groups): void {
  for (const ref of groups) {
    const group = ref.deref();
    if (group === undefined) {
      groups.delete(ref);
      continue;
    }
    for (const tally of group.values()) {
      // inc(…, 0) still creates the series, so it is visible from the first scrape on.
      target.inc(tally.labels, tally.value - tally.flushed);
      tally.flushed = tally.value;
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
  const { metric, state: groups } = scrapeState<Counter<string>, Groups>(
    registry,
    config,
    groupsOf,
    () => new Set(),
    (collect) => counter(registry, { ...config, collect }) as Counter<string>,
    flush,
  );
  const group: Group = new Map();
  groups.add(new WeakRef(group));
  // A closure rather than a method: callers pass `tally` around on its own (the rate limiter does).
  return {
    counter: metric as Counter<L>,
    tally(key, labels) {
      let tally = group.get(key);
      if (tally === undefined) {
        tally = new CountedTally(labels(), group);
        group.set(key, tally);
      }
      return tally;
    },
  };
}
