// How a hierarchical check is decided when its levels live in different Redis Cluster slots.
// Every (rule, key) is its own hash tag, so a rule and key are one counter whatever the check
// (alone, or any level of any hierarchy), and a "global" level is one key shared by everyone.
// The price: a Cluster cannot run one script over keys of different slots. So on a Cluster each
// level is decided by its own script, all sent in the same event-loop turn (one write, about one
// round trip), each charging its level if it admits. If any level refuses (or fails), the levels
// that admitted are refunded by a second script each.
//
// Atomicity trade-off, compared with the single script a standalone Redis runs:
//   - never more admitted than any level allows: every level decides atomically on its own;
//   - but between a grant and its refund (one round trip) the units are held, so a concurrent
//     request can be refused by a level that is only briefly full: a rare false refusal, never a
//     false admission;
//   - a refund that fails (Redis gone between the two calls) is lost: those units come back only
//     when they leave the window or refill. Lost units err toward refusing, the safe side.
//   - every level is asked (not "stop at the first no"), so a refused check costs N calls.
import {
  type DecodedLevel,
  decodeReply,
  type RedisClient,
  runHierarchy,
  runRefund,
  type ScriptLevel,
  type ScriptReply,
} from './scripts.ts';

export type SplitTransport = {
  redis: RedisClient;
  /** Called before each batch of commands (the limiter's write coalescer). */
  beforeSend: () => void;
  /** Told how each refund went, for metrics. */
  onRefund: (ok: boolean) => void;
};

type Granted = { level: ScriptLevel; decidedAt: number };

/** One script per level, refunds on refusal; answers in the single script's reply layout. */
export async function runPerSlot(
  transport: SplitTransport,
  levels: readonly ScriptLevel[],
  cost: number,
  grantId: string,
): Promise<ScriptReply> {
  transport.beforeSend();
  const settled = await Promise.allSettled(
    levels.map((level) => runHierarchy(transport.redis, [level], cost, grantId)),
  );
  const granted: Granted[] = [];
  const decided: DecodedLevel[] = [];
  let deniedLevel = 0;
  let failure: unknown;
  settled.forEach((outcome, i) => {
    if (outcome.status === 'rejected') {
      failure ??= outcome.reason;
      return;
    }
    const reply = decodeReply(outcome.value);
    const level = reply.levels[0] as DecodedLevel;
    decided.push(level);
    // A shadow level's "no" refuses nothing (its reply says denied 0) and charged nothing.
    if (reply.deniedLevel > 0 && deniedLevel === 0) deniedLevel = i + 1;
    if (level.allowed) granted.push({ level: levels[i] as ScriptLevel, decidedAt: reply.decidedAt ?? 0 });
  });
  if (failure !== undefined || deniedLevel > 0) refundAll(transport, granted, cost, grantId);
  if (failure !== undefined) throw failure;
  const reply: ScriptReply = [deniedLevel];
  for (const level of decided) {
    // A refunded level has its units back: report the quota as the refund left it.
    const remaining = deniedLevel > 0 && level.allowed ? level.remaining + cost : level.remaining;
    reply.push(level.allowed ? 1 : 0, remaining, level.resetMs, level.retryAfterMs);
  }
  return reply;
}

/** Fire and forget: the check's answer does not wait for its refunds. */
function refundAll(
  transport: SplitTransport,
  granted: readonly Granted[],
  cost: number,
  grantId: string,
): void {
  if (granted.length === 0) return;
  transport.beforeSend();
  for (const { level, decidedAt } of granted) {
    runRefund(transport.redis, level, cost, decidedAt, grantId).then(
      () => transport.onRefund(true),
      () => transport.onRefund(false),
    );
  }
}
