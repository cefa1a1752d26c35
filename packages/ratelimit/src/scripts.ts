// The Lua scripts, assembled from src/lua/*.lua and registered on a client with ioredis
// `defineCommand`: ioredis sends EVALSHA (the script body is not resent) and falls back to EVAL
// once if Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH). One script = one round trip.
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import type { Algorithm } from './policy.ts';

export type RedisClient = Redis | Cluster;

const read = (file: string) => readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');

type AlgorithmScript = { file: string; fn: string; command: string; number: number; readCost: number };

/**
 * `number` is the algorithm's index in hierarchy.lua's table. `readCost` orders the levels of a
 * hierarchical check, cheapest first: one small read (fixed window, GCRA), a hash with arithmetic,
 * then the sliding log's sorted-set trim and count, which grows with traffic.
 */
export const ALGORITHM_SCRIPTS: Record<Algorithm, AlgorithmScript> = {
  'fixed-window': {
    file: 'fixed-window.lua',
    fn: 'fixed_window',
    command: 'rlFixedWindow',
    number: 1,
    readCost: 1,
  },
  'sliding-window-log': {
    file: 'sliding-window-log.lua',
    fn: 'sliding_window_log',
    command: 'rlSlidingWindowLog',
    number: 2,
    readCost: 3,
  },
  'sliding-window-counter': {
    file: 'sliding-window-counter.lua',
    fn: 'sliding_window_counter',
    command: 'rlSlidingWindowCounter',
    number: 3,
    readCost: 2,
  },
  'token-bucket': {
    file: 'token-bucket.lua',
    fn: 'token_bucket',
    command: 'rlTokenBucket',
    number: 4,
    readCost: 2,
  },
  'leaky-bucket': {
    file: 'leaky-bucket.lua',
    fn: 'leaky_bucket',
    command: 'rlLeakyBucket',
    number: 5,
    readCost: 2,
  },
  gcra: { file: 'gcra.lua', fn: 'gcra', command: 'rlGcra', number: 6, readCost: 1 },
};

const prelude = read('prelude.lua');
const algorithmOrder = Object.values(ALGORITHM_SCRIPTS).sort((a, b) => a.number - b.number);

/** The full text of one algorithm's script: prelude, the algorithm, the single-key main. */
export function singleScript(algorithm: Algorithm): string {
  const { file, fn } = ALGORITHM_SCRIPTS[algorithm];
  return [prelude, read(file), `local check = ${fn}`, read('single.lua')].join('\n');
}

/** The hierarchical script: every algorithm, then the two-phase main. */
export function hierarchyScript(): string {
  return [prelude, ...algorithmOrder.map((script) => read(script.file)), read('hierarchy.lua')].join('\n');
}

/** The refund script: every algorithm (with its `_refund`), then refund.lua's main. */
export function refundScript(): string {
  return [prelude, ...algorithmOrder.map((script) => read(script.file)), read('refund.lua')].join('\n');
}

const HIERARCHY_COMMAND = 'rlHierarchy';
const REFUND_COMMAND = 'rlRefund';
const defined = new WeakSet<object>();

type ScriptCommands = Record<string, (...args: (string | number)[]) => Promise<ScriptReply>>;

/**
 * What the single and hierarchical scripts answer: [deniedLevel (1-based, 0 = none; never a
 * shadow level), then allowed, remaining, resetMs, retryAfterMs per level asked], and from the
 * hierarchical script one last element, the Redis time of the decision (ms, as a string).
 */
export type ScriptReply = (number | string)[];

export type DecodedLevel = { allowed: boolean; remaining: number; resetMs: number; retryAfterMs: number };
export type DecodedReply<L> = { deniedLevel: number; levels: L[]; decidedAt: number | undefined };

/** Builds one level's entry from its four numbers (positional: no object in between). */
export type LevelBuilder<L> = (
  i: number,
  allowed: boolean,
  remaining: number,
  resetMs: number,
  retryAfterMs: number,
) => L;

const plainLevel: LevelBuilder<DecodedLevel> = (_i, allowed, remaining, resetMs, retryAfterMs) => ({
  allowed,
  remaining,
  resetMs,
  retryAfterMs,
});

/**
 * The one place that knows the reply layout above. `level` builds each level's entry, so the hot
 * path allocates one object per level (the caller's own type) rather than two.
 */
export function decodeReply<L = DecodedLevel>(
  reply: ScriptReply,
  level: LevelBuilder<L> = plainLevel as LevelBuilder<L>,
): DecodedReply<L> {
  const levels: L[] = [];
  let at = 1;
  for (; at + 4 <= reply.length; at += 4) {
    levels.push(
      level(
        levels.length,
        reply[at] === 1,
        reply[at + 1] as number,
        reply[at + 2] as number,
        reply[at + 3] as number,
      ),
    );
  }
  const decidedAt = at < reply.length ? Number(reply[at]) : undefined;
  return { deniedLevel: reply[0] as number, levels, decidedAt };
}

/** The client, typed with the script commands, registering them on first use. */
function withScripts(redis: RedisClient): ScriptCommands {
  if (!defined.has(redis)) {
    for (const [algorithm, script] of Object.entries(ALGORITHM_SCRIPTS)) {
      redis.defineCommand(script.command, { numberOfKeys: 1, lua: singleScript(algorithm as Algorithm) });
    }
    // No fixed numberOfKeys: the first argument says how many keys follow.
    redis.defineCommand(HIERARCHY_COMMAND, { lua: hierarchyScript() });
    redis.defineCommand(REFUND_COMMAND, { numberOfKeys: 1, lua: refundScript() });
    defined.add(redis);
  }
  return redis as unknown as ScriptCommands;
}

/** Registers every script on the client now (otherwise it happens on first use). */
export function defineScripts(redis: RedisClient): void {
  withScripts(redis);
}

export type ScriptLevel = {
  key: string;
  algorithm: Algorithm;
  limit: number;
  windowMs: number;
  capacity: number;
  /** Hierarchies only: a shadow level's refusal is reported but refuses nothing. */
  shadow?: boolean;
};

/** One level, one round trip: [deniedLevel (0 or 1), allowed, remaining, resetMs, retryAfterMs]. */
export function runSingle(redis: RedisClient, level: ScriptLevel, cost: number): Promise<ScriptReply> {
  const command = ALGORITHM_SCRIPTS[level.algorithm].command;
  return withScripts(redis)[command]?.(
    level.key,
    level.limit,
    level.windowMs,
    level.capacity,
    cost,
  ) as Promise<ScriptReply>;
}

/**
 * All levels, one round trip (see ScriptReply). On a Cluster every key must share one slot.
 * `grantId` names this grant so that refund() can find what it added (the sliding log's members).
 */
export function runHierarchy(
  redis: RedisClient,
  levels: readonly ScriptLevel[],
  cost: number,
  grantId = '',
): Promise<ScriptReply> {
  const args: (string | number)[] = [levels.length, ...levels.map((level) => level.key), cost, grantId];
  for (const level of levels) {
    args.push(
      ALGORITHM_SCRIPTS[level.algorithm].number,
      level.limit,
      level.windowMs,
      level.capacity,
      level.shadow ? 1 : 0,
    );
  }
  return withScripts(redis)[HIERARCHY_COMMAND]?.(...args) as Promise<ScriptReply>;
}

/** Gives back what runHierarchy(…, grantId) charged one level at `decidedAt` (Redis time, ms). */
export function runRefund(
  redis: RedisClient,
  level: ScriptLevel,
  cost: number,
  decidedAt: number,
  grantId: string,
): Promise<unknown> {
  return withScripts(redis)[REFUND_COMMAND]?.(
    level.key,
    ALGORITHM_SCRIPTS[level.algorithm].number,
    level.limit,
    level.windowMs,
    level.capacity,
    cost,
    decidedAt,
    grantId,
  ) as Promise<unknown>;
}
