// Counting at scrape time: the one way a hot path in the lab counts. prom-client's labelled
// `inc()` hashes the label set on every call (~150-200 ns, the largest single cost of a rate-limit
// check in a profile, as much as a whole closed-breaker call), so a hot path adds 1 to a plain
// number field (a *tally*) and the counter catches up when Prometheus scrapes, through the
// counter's `collect` hook: each tally remembers how much of it the counter has already been given.
//
// Many components (caches, limiters, breakers) share one counter and tell their series apart by a
// label of their own. The counter holds each tally through a WeakRef, so a dropped component, and
// the tallies only it held, can still be garbage-collected (a strong set of every instance was a
// memory leak in opossum, #363); a component keeps its tallies alive simply by holding them, which
// it must do anyway to count. The price: counts a component made since the last scrape are lost if
// it is collected first; these components live as long as the clients they wrap, so in practice
// nothing is.
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

class CountedTally<L extends string> implements Tally {
  value = 0;
  /** How much of `value` the counter already holds. */
  flushed = 0;
  readonly labels: Record<L, string>;

  constructor(labels: Record<L, string>) {
    this.labels = labels;
  }
}

type Tallies = Set<WeakRef<CountedTally<string>>>;

const talliesOf = new WeakMap<Counter<string>, Tallies>();

function flush(target: Counter<string>, tallies: Tallies): void {
  for (const ref of tallies) {
    const tally = ref.deref();
    if (tally === undefined) {
      tallies.delete(ref);
      continue;
    }
    // inc(…, 0) still creates the series, so it is visible from the first scrape on.
    target.inc(tally.labels, tally.value - tally.flushed);
    tally.flushed = tally.value;
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
  const { metric, state: tallies } = scrapeState<Counter<string>, Tallies>(
    registry,
    config,
    talliesOf,
    () => new Set(),
    (collect) => counter(registry, { ...config, collect }) as Counter<string>,
    flush,
  );
  const byKey = new Map<string, CountedTally<L>>();
  return {
    counter: metric as Counter<L>,
    tally(key, labels) {
      let tally = byKey.get(key);
      if (tally === undefined) {
        tally = new CountedTally(labels());
        byKey.set(key, tally);
        tallies.add(new WeakRef(tally as CountedTally<string>));
      }
      return tally;
    },
  };
}
