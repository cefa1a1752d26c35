// The clicks one process served since its last send, summed per link and day as they happen
// (url.clicked v3). A redirect's whole share of analytics is here: a few map updates, no hashing,
// no encoding, no object per click. The expensive parts are paid once per distinct thing instead
// of once per click: a user agent is classified and hashed once (boundedMemo), a referrer parsed
// once, a visitor hashed once per window when the window is sent (adapters/click-batch.ts).
//
// The trade-off against a record per click (v2): the consumer sees sums, not clicks. Per-day
// counts, referrer hosts, browser families and unique visitors lose nothing; what is lost is the
// trace of every click. Only clicks served in a trace (sampled: redirect-tracing.ts) keep theirs,
// with their position in the rollup, so a milestone crossed by a traced click is still announced
// in that redirect's trace, and one crossed by an untraced click starts a trace of its own.
//
// Memory is bounded by what is distinct, not by the number of clicks: while Kafka is away the
// window goes on counting, and only a click that needs a new link (maxLinks) or a new visitor
// (maxVisitors) beyond the bounds is refused, whole, for the caller to count as dropped.
import { MAX_REFERRER_HOSTS_PER_ROLLUP, MAX_TRACED_PER_ROLLUP, USER_AGENT_FAMILIES } from '@lab/events';
import type { SpanContext } from '@opentelemetry/api';
import { boundedMemo, fnv1a, referrerHost, userAgentFamily, visitorNumber } from './click-fields.ts';

/** A click as the redirect hands it over. */
export type RawClick = {
  code: string;
  at: number;
  address: string;
  userAgent: string | null;
  referrer: string | null;
  /** The redirect's span context, when it was served in a trace. */
  spanContext?: SpanContext;
};

/** One link's clicks on one (UTC) day. */
export type Rollup = {
  code: string;
  /** Days since 1970-01-01 (UTC). */
  day: number;
  clicks: number;
  referrers: Map<string, number>;
  /** Clicks per family, indexed like USER_AGENT_FAMILIES. */
  agents: number[];
  /** Distinct visitors as 30-bit numbers (visitorNumber); hashed with the secret key when sent. */
  visitors: Set<number>;
  traced: { ordinal: number; spanContext: SpanContext }[];
};

export type WindowLimits = {
  /** Most distinct (link, day) rollups held. */
  maxLinks: number;
  /** Most distinct visitors held, over all rollups. */
  maxVisitors: number;
};

const DAY_MS = 86_400_000;
const OTHER_HOSTS = '(other)';

/** How a click's headers are classified; one per publisher, shared by its windows. */
export function clickClassifier() {
  return {
    agent: boundedMemo((userAgent) => ({
      family: USER_AGENT_FAMILIES.indexOf(userAgentFamily(userAgent)),
      hash: fnv1a(userAgent ?? ''),
    })),
    host: boundedMemo(referrerHost),
  };
}
export type ClickClassifier = ReturnType<typeof clickClassifier>;

export class ClickWindow {
  readonly rollups = new Map<string, Rollup>();
  clicks = 0;
  visitors = 0;
  /** The day of the window's first click: its rollups are keyed by code alone. */
  private day = -1;
  private readonly limits: WindowLimits;
  private readonly classify: ClickClassifier;

  constructor(limits: WindowLimits, classify: ClickClassifier) {
    this.limits = limits;
    this.classify = classify;
  }

  /** Counts the click; false when it would exceed a bound (nothing of it is kept). */
  add(click: RawClick): boolean {
    const day = Math.floor(click.at / DAY_MS);
    if (this.day < 0) this.day = day;
    // A window that spans midnight keeps the second day's rollups apart (a rare, longer key).
    const key = day === this.day ? click.code : `${day}/${click.code}`;
    const agent = this.classify.agent(click.userAgent);
    const visitor = visitorNumber(click.address, agent.hash);
    let rollup = this.rollups.get(key);
    const newVisitor = rollup === undefined || !rollup.visitors.has(visitor);
    if (rollup === undefined && this.rollups.size >= this.limits.maxLinks) return false;
    if (newVisitor && this.visitors >= this.limits.maxVisitors) return false;
    if (rollup === undefined) {
      rollup = newRollup(click.code, day);
      this.rollups.set(key, rollup);
    }
    if (newVisitor) {
      rollup.visitors.add(visitor);
      this.visitors += 1;
    }
    rollup.clicks += 1;
    this.clicks += 1;
    rollup.agents[agent.family] = (rollup.agents[agent.family] ?? 0) + 1;
    countHost(rollup.referrers, this.classify.host(click.referrer));
    if (click.spanContext && rollup.traced.length < MAX_TRACED_PER_ROLLUP)
      rollup.traced.push({ ordinal: rollup.clicks, spanContext: click.spanContext });
    return true;
  }
}

function newRollup(code: string, day: number): Rollup {
  return {
    code,
    day,
    clicks: 0,
    referrers: new Map(),
    agents: USER_AGENT_FAMILIES.map(() => 0),
    visitors: new Set(),
    traced: [],
  };
}

/** A host the rollup already names, or a new one while there is room; the rest are '(other)'. */
function countHost(referrers: Map<string, number>, host: string): void {
  const known = referrers.get(host);
  if (known !== undefined) referrers.set(host, known + 1);
  else if (referrers.size < MAX_REFERRER_HOSTS_PER_ROLLUP) referrers.set(host, 1);
  else referrers.set(OTHER_HOSTS, (referrers.get(OTHER_HOSTS) ?? 0) + 1);
}

/** A rollup's day as the contract writes it (YYYY-MM-DD). */
export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
