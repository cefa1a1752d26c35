// A url.clicked batch summed per table before anything is written: one row per (code, day), per
// (code, referrer host) and per (code, agent family), so the aggregator writes each table with one
// set-based statement however many rollups the batch holds (several rollups of one code arrive
// when a window spanned midnight or a link's visitors were split). Rows come sorted by code (then
// by the second key) so every writer touches rows in the same order. Per code it also keeps the
// traced clicks by their position among the code's clicks in the batch: the click at position
// `milestone - before` is the one that crossed a milestone, and if it was traced, its announcement
// continues that redirect's trace.
import type { PayloadOf, urlClicked } from '@lab/events';

export type BatchRollup = PayloadOf<typeof urlClicked>['rollups'][number];

export type CodeTally = {
  code: string;
  clicks: number;
  /** Traceparents of the code's traced clicks, by position among its clicks in the batch (1-based). */
  traced: ReadonlyMap<number, string>;
  /** Distinct visitor ids. */
  visitors: string[];
};

export type CountRow = { code: string; key: string; clicks: number };

export type ClickTally = {
  codes: CodeTally[];
  daily: CountRow[];
  referrers: CountRow[];
  agents: CountRow[];
};

const byCode = (a: { code: string }, b: { code: string }) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
const byCodeThenKey = (a: CountRow, b: CountRow) =>
  byCode(a, b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Sums per (code, key), returned as sorted rows. */
class RowCounts {
  private readonly counts = new Map<string, Map<string, number>>();

  add(code: string, key: string, clicks: number): void {
    let keys = this.counts.get(code);
    if (!keys) {
      keys = new Map();
      this.counts.set(code, keys);
    }
    keys.set(key, (keys.get(key) ?? 0) + clicks);
  }

  rows(): CountRow[] {
    const rows: CountRow[] = [];
    for (const [code, keys] of this.counts)
      for (const [key, clicks] of keys) rows.push({ code, key, clicks });
    return rows.sort(byCodeThenKey);
  }
}

export function tallyRollups(rollups: readonly BatchRollup[]): ClickTally {
  const codes = new Map<string, { clicks: number; traced: Map<number, string>; visitors: Set<string> }>();
  const daily = new RowCounts();
  const referrers = new RowCounts();
  const agents = new RowCounts();
  for (const rollup of rollups) {
    let code = codes.get(rollup.code);
    if (!code) {
      code = { clicks: 0, traced: new Map(), visitors: new Set() };
      codes.set(rollup.code, code);
    }
    // A rollup's ordinals count its own clicks; the code's earlier rollups in the batch come first.
    for (const { ordinal, traceparent } of rollup.traced) code.traced.set(code.clicks + ordinal, traceparent);
    code.clicks += rollup.clicks;
    for (const visitor of rollup.visitors) code.visitors.add(visitor);
    if (rollup.clicks > 0) daily.add(rollup.code, rollup.day, rollup.clicks);
    for (const { host, clicks } of rollup.referrers) referrers.add(rollup.code, host, clicks);
    for (const { family, clicks } of rollup.agents) agents.add(rollup.code, family, clicks);
  }
  return {
    codes: [...codes]
      .map(([code, { clicks, traced, visitors }]) => ({ code, clicks, traced, visitors: [...visitors] }))
      .sort(byCode),
    daily: daily.rows(),
    referrers: referrers.rows(),
    agents: agents.rows(),
  };
}

/** Only the rows of `codes` (the aggregator drops the codes its database does not know). */
export function tallyOf(tally: ClickTally, codes: ReadonlySet<string>): ClickTally {
  const known = (row: { code: string }) => codes.has(row.code);
  return {
    codes: tally.codes.filter(known),
    daily: tally.daily.filter(known),
    referrers: tally.referrers.filter(known),
    agents: tally.agents.filter(known),
  };
}
