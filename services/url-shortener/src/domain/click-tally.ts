// A url.clicked batch summed in memory before anything is written: one row per (code, day), per
// (code, referrer host) and per (code, agent family), so the aggregator writes each table with one
// set-based statement however many clicks the batch holds. Rows come sorted by code (then by the
// second key) so every writer touches rows in the same order. Per code it also keeps each click's
// traceparent in batch order: the click at position `milestone - before` is the one that crossed
// a milestone, and its announcement continues that redirect's trace.
import type { PayloadOf, urlClicked } from '@lab/events';
import { referrerHost, userAgentFamily } from './click-fields.ts';

export type BatchClick = PayloadOf<typeof urlClicked>['clicks'][number];

export type CodeTally = {
  code: string;
  clicks: number;
  /** The traceparent of each of the code's clicks, in batch order. */
  traceparents: (string | null)[];
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

const byCodeThenKey = (a: CountRow, b: CountRow) =>
  a.code < b.code ? -1 : a.code > b.code ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

/** Counts per (code, key) as sorted rows. */
function countRows(counts: Map<string, Map<string, number>>): CountRow[] {
  const rows: CountRow[] = [];
  for (const [code, keys] of counts) for (const [key, clicks] of keys) rows.push({ code, key, clicks });
  return rows.sort(byCodeThenKey);
}

function increment(counts: Map<string, Map<string, number>>, code: string, key: string): void {
  let keys = counts.get(code);
  if (!keys) {
    keys = new Map();
    counts.set(code, keys);
  }
  keys.set(key, (keys.get(key) ?? 0) + 1);
}

export function tallyClicks(clicks: readonly BatchClick[]): ClickTally {
  const codes = new Map<string, { traceparents: (string | null)[]; visitors: Set<string> }>();
  const daily = new Map<string, Map<string, number>>();
  const referrers = new Map<string, Map<string, number>>();
  const agents = new Map<string, Map<string, number>>();
  for (const click of clicks) {
    let code = codes.get(click.code);
    if (!code) {
      code = { traceparents: [], visitors: new Set() };
      codes.set(click.code, code);
    }
    code.traceparents.push(click.traceparent);
    code.visitors.add(click.visitorId);
    increment(daily, click.code, click.clickedAt.slice(0, 10));
    increment(referrers, click.code, referrerHost(click.referrer));
    increment(agents, click.code, userAgentFamily(click.userAgent));
  }
  return {
    codes: [...codes]
      .map(([code, { traceparents, visitors }]) => ({
        code,
        clicks: traceparents.length,
        traceparents,
        visitors: [...visitors],
      }))
      .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)),
    daily: countRows(daily),
    referrers: countRows(referrers),
    agents: countRows(agents),
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
