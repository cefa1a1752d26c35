// The relay's options: one defaults object, each value with its reason (mirrored in the README),
// and the checks that turn a wrong option into OUTBOX_INVALID_OPTIONS at construction instead of
// a busy loop, a relay that never sends, or a pool too small to run the pipeline.
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import client, { type Registry } from 'prom-client';
import type { BackoffOptions } from './backoff.ts';
import { OutboxError, type OutboxRowRef } from './errors.ts';
import {
  requireBackoff,
  requireDuration,
  requireNonEmptyString,
  requireNonNegativeInteger,
  requirePositiveInteger,
  requirePresent,
} from './validate.ts';

/** What the relay does with a row Kafka refuses for good. */
export type PermanentErrorPolicy = 'park' | 'halt';

/**
 * Connections the relay holds at once: the leader's (lock + LISTEN) and up to three batch
 * transactions (batch N-1 marking, N sending, N+1 claimed). With fewer the pipeline stalls on the
 * pool; with one the first claim waits forever behind the leader's own connection.
 */
export const RELAY_POOL_CONNECTIONS = 4;

export const RELAY_DEFAULTS = {
  /** One relay group per database is the usual case; a second outbox names its own. */
  name: 'default',
  /** Large enough to amortize Postgres and Kafka round trips, small enough to bound a transaction. */
  batchSize: 500,
  /** Under Kafka's default 1,048,588-byte message.max.bytes, with room for batch framing. */
  maxBatchBytes: 900_000,
  /** The floor when no NOTIFY arrives; latency without NOTIFY is about half of it. */
  pollIntervalMs: 500,
  /** enqueue's NOTIFY wakes the leader at once: millisecond latency for one LISTEN connection. */
  wakeOnNotify: true,
  /** How often a standby tries the lock: the failover time. */
  leaderRetryMs: 1_000,
  /** Capped so recovery is noticed within seconds; jittered so relays do not retry in step. */
  backoff: { initialMs: 100, maxMs: 5_000 } as BackoffOptions,
  /** Broker wait for acks from all in-sync replicas. */
  sendTimeoutMs: 10_000,
  /** KafkaJS retries inside one send; the producer is replaced after a failure anyway. */
  sendRetries: 2,
  /** Park: the other aggregates keep flowing and order holds per aggregate. */
  permanentErrors: 'park' as PermanentErrorPolicy,
  /**
   * A broker that has just started can deny a topic that exists for a few seconds; a minute rides
   * that out and still names a really missing topic quickly. Everything waits meanwhile.
   */
  missingTopicGraceMs: 60_000,
  /** Published rows kept to answer "what did we send, and when?"; 0 = delete on publish. */
  retentionMs: 24 * 60 * 60 * 1_000,
  /** Deletes in small steps once a minute rather than one large delete a day. */
  cleanupIntervalMs: 60_000,
  /** Throttle of the backlog/lag/dead-letter count query. */
  metricsIntervalMs: 1_000,
};

export type OutboxRelayOptions = {
  pool: pg.Pool;
  /** The relay creates and owns its producer: it must replace it after a failed send (producer-session.ts). */
  kafka: Kafka;
  /** Relays with one name share one leader lock; also the `outbox` metric label. @default 'default' */
  name?: string;
  /** Rows per claim. @default 500 */
  batchSize?: number;
  /** Estimated bytes per Kafka request; a claimed batch is split to fit. @default 900000 */
  maxBatchBytes?: number;
  /** Fallback poll when no NOTIFY arrives (ms). @default 500 */
  pollIntervalMs?: number;
  /** LISTEN for enqueue's NOTIFY to wake at once. @default true */
  wakeOnNotify?: boolean;
  /** How often a standby retries the leader lock (ms). @default 1000 */
  leaderRetryMs?: number;
  /** Delay between retries while Kafka or Postgres fails. @default 100 ms doubling to 5 s */
  backoff?: BackoffOptions;
  /** Broker wait for acks from all in-sync replicas (ms). @default 10000 */
  sendTimeoutMs?: number;
  /** Kafka client retries inside one send before the relay backs off. @default 2 */
  sendRetries?: number;
  /**
   * A row Kafka refuses for good: `park` moves it to outbox_dead_letters and holds the later rows
   * of its aggregate only; `halt` stops publishing at it. @default 'park'
   */
  permanentErrors?: PermanentErrorPolicy;
  /** How long a topic must stay absent from the broker's metadata to count as missing (ms). @default 60000 */
  missingTopicGraceMs?: number;
  /** Published rows are deleted after this long (ms); 0 = in the publishing transaction. @default 24 h */
  retentionMs?: number;
  /** How often the leader deletes expired rows (ms). @default 60000 */
  cleanupIntervalMs?: number;
  /** How often the leader refreshes its gauges (ms). @default 1000 */
  metricsIntervalMs?: number;
  /** @default prom-client's global registry — tests and benchmarks pass their own. */
  registry?: Registry;
  /** Called with every failure the relay recovers from, and with each park or halt (logging hook). */
  onError?: (error: unknown) => void;
  /** Called after each published batch with its size. */
  onPublished?: (count: number) => void;
  /**
   * Fault-injection point for tests and experiments: runs after Kafka acknowledged a batch and
   * before the rows are marked published. A crash here republishes the batch (duplicates that the
   * idempotent consumer absorbs); it never loses it.
   */
  afterPublish?: (count: number) => void | Promise<void>;
  /** Called when this instance becomes or stops being the leader. */
  onLeadership?: (leader: boolean) => void;
};

export type ResolvedRelayOptions = Required<Omit<OutboxRelayOptions, 'afterPublish'>> &
  Pick<OutboxRelayOptions, 'afterPublish'>;

/** Where a halted relay stopped: the row and why. */
export type RelayHalt = Omit<OutboxRowRef, 'id'> & { rowId: string; code: string; reason: string };

export function resolveRelayOptions(options: OutboxRelayOptions): ResolvedRelayOptions {
  const resolved: ResolvedRelayOptions = {
    ...RELAY_DEFAULTS,
    registry: client.register,
    onError: () => {},
    onPublished: () => {},
    onLeadership: () => {},
    ...withoutUndefined(options),
  };
  requirePresent('pool', resolved.pool);
  requirePresent('kafka', resolved.kafka);
  requireNonEmptyString('name', resolved.name);
  requirePositiveInteger('batchSize', resolved.batchSize);
  requirePositiveInteger('maxBatchBytes', resolved.maxBatchBytes);
  requireNonNegativeInteger('sendRetries', resolved.sendRetries);
  requireBackoff('backoff', resolved.backoff);
  for (const option of [
    'pollIntervalMs',
    'leaderRetryMs',
    'sendTimeoutMs',
    'missingTopicGraceMs',
    'retentionMs',
    'cleanupIntervalMs',
    'metricsIntervalMs',
  ] as const) {
    requireDuration(option, resolved[option]);
  }
  if (resolved.permanentErrors !== 'park' && resolved.permanentErrors !== 'halt') {
    throw new OutboxError('OUTBOX_INVALID_OPTIONS', "permanentErrors must be 'park' or 'halt'");
  }
  requirePoolSize(resolved.pool);
  return resolved;
}

// pg.Pool fills options.max (default 10) in its constructor; a stand-in without it is not checked.
function requirePoolSize(pool: pg.Pool): void {
  const max = (pool as { options?: { max?: unknown } }).options?.max;
  if (typeof max === 'number' && max < RELAY_POOL_CONNECTIONS) {
    throw new OutboxError(
      'OUTBOX_INVALID_OPTIONS',
      `the relay's pool allows ${max} connections; it holds up to ${RELAY_POOL_CONNECTIONS} at once ` +
        `(leader + 3 pipelined batches): give it max >= ${RELAY_POOL_CONNECTIONS}, more if the pool is shared`,
    );
  }
}

function withoutUndefined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}
