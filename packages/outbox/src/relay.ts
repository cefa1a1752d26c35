// The outbox relay: a loop that moves committed outbox rows to Kafka. One instance per outbox is the
// leader (advisory lock, see leadership.ts); others stand by and take over when the leader dies.
// The leader publishes batches until the outbox is empty, then sleeps until a NOTIFY wake-up hint
// or the poll interval, whichever comes first. While Kafka is down it backs off, exponentially.
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import client, { type Registry } from 'prom-client';
import { type BackoffOptions, backoffDelay, sleep } from './backoff.ts';
import { deletePublishedEvents } from './cleanup.ts';
import { OutboxError } from './errors.ts';
import { createLeadership } from './leadership.ts';
import { relayMetrics } from './metrics.ts';
import { createProducerSession } from './producer-session.ts';
import { drainOutbox, KafkaSendError } from './relay-batch.ts';
import {
  requireBackoff,
  requireDuration,
  requireNonEmptyString,
  requireNonNegativeInteger,
  requirePositiveInteger,
  requirePresent,
} from './validate.ts';
import { createWakeup } from './wakeup.ts';

export type OutboxRelayOptions = {
  pool: pg.Pool;
  /** The relay creates and owns its producer: it must replace it after a failed send (producer-session.ts). */
  kafka: Kafka;
  /** Relays with one name share one leader lock; also the `outbox` metric label. Default 'default'. */
  name?: string;
  /** Rows per claim and per Kafka request. Default 500: large enough to amortize the round trips. */
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (ms). Default 500. */
  pollIntervalMs?: number;
  /** LISTEN for enqueue's NOTIFY to wake at once. Default true. */
  wakeOnNotify?: boolean;
  /** How often a standby retries the leader lock (ms). Default 1000: the failover time. */
  leaderRetryMs?: number;
  /** Delay between retries while Kafka or Postgres fails. Default 100 ms doubling to 5 s. */
  backoff?: BackoffOptions;
  /** Broker wait for acks from all in-sync replicas (ms). Default 10000. */
  sendTimeoutMs?: number;
  /** Kafka client retries inside one send before the relay backs off. Default 2. */
  sendRetries?: number;
  /**
   * Published rows are deleted after this long (ms). Default 24 h. 0 = delete-on-publish: the
   * rows are deleted in the publishing transaction instead of marked -- no history to inspect,
   * but about half the Postgres work per event (no new row version, no index entries).
   */
  retentionMs?: number;
  /** How often the leader deletes expired rows (ms). Default 60 s. */
  cleanupIntervalMs?: number;
  /** How often the leader refreshes backlog and lag gauges (ms). Default 1000. */
  metricsIntervalMs?: number;
  registry?: Registry;
  /** Called with every failure the relay recovers from (logging hook). */
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

export type OutboxRelay = {
  start(): void;
  /** Finishes the batch in flight, releases leadership and disconnects the producer. */
  stop(): Promise<void>;
  isLeader(): boolean;
};

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const {
    pool,
    kafka,
    name = 'default',
    batchSize = 500,
    pollIntervalMs = 500,
    wakeOnNotify = true,
    leaderRetryMs = 1_000,
    backoff = { initialMs: 100, maxMs: 5_000 },
    sendTimeoutMs = 10_000,
    sendRetries = 2,
    retentionMs = 24 * 60 * 60 * 1_000,
    cleanupIntervalMs = 60_000,
    metricsIntervalMs = 1_000,
    registry = client.register,
    onError = () => {},
    onPublished = () => {},
    onLeadership = () => {},
    afterPublish,
  } = options;
  requirePresent('pool', pool);
  requirePresent('kafka', kafka);
  requireNonEmptyString('name', name);
  requirePositiveInteger('batchSize', batchSize);
  requireNonNegativeInteger('sendRetries', sendRetries);
  requireBackoff('backoff', backoff);
  for (const [option, value] of Object.entries({
    pollIntervalMs,
    leaderRetryMs,
    sendTimeoutMs,
    retentionMs,
    cleanupIntervalMs,
    metricsIntervalMs,
  })) {
    requireDuration(option, value);
  }
  const metrics = relayMetrics(registry);
  const wakeup = createWakeup();
  const leadership = createLeadership({
    pool,
    name,
    listen: wakeOnNotify,
    onNotify: () => wakeup.wake(),
    onLost: (error) => {
      onError(error);
      onLeadership(false);
    },
  });
  let stopping: AbortController | undefined;
  let running: Promise<void> | undefined;
  const producer = createProducerSession(kafka, { retries: sendRetries });
  let lastCleanup = 0;
  let lastMetrics = 0;

  // Expired published rows go in bounded chunks; only after a successful cycle (no point while broken).
  async function cleanup(now: number): Promise<void> {
    if (retentionMs === 0 || now - lastCleanup < cleanupIntervalMs) return;
    lastCleanup = now;
    await deletePublishedEvents(pool, { olderThanMs: retentionMs });
  }

  // Backlog and lag are refreshed by the leader, throttled, after every cycle -- failed ones too,
  // because an outage is exactly when they matter. count(*) walks the partial index of unpublished
  // rows: cheap while the relay keeps up, and bounded by the throttle when it does not.
  async function refreshGauges(now: number): Promise<void> {
    if (now - lastMetrics < metricsIntervalMs) return;
    lastMetrics = now;
    try {
      const { rows } = await pool.query<{ backlog: number; lag: number | null }>(
        `SELECT count(*)::int AS backlog, extract(epoch FROM now() - min(created_at))::float8 AS lag
         FROM outbox WHERE published_at IS NULL`,
      );
      metrics.backlog.set({ outbox: name }, rows[0]?.backlog ?? 0);
      metrics.lagSeconds.set({ outbox: name }, Math.max(0, rows[0]?.lag ?? 0));
    } catch (error) {
      onError(error);
    }
  }

  // The fence found our leader session gone: drop the connection and compete for the lock again.
  async function stepDown(): Promise<void> {
    const wasLeader = leadership.isLeader();
    await leadership.release();
    if (wasLeader) onLeadership(false);
  }

  async function becomeLeader(signal: AbortSignal): Promise<boolean> {
    if (leadership.isLeader()) return true;
    const acquired = await leadership.tryAcquire().catch((error) => {
      onError(error);
      return false;
    });
    if (acquired) onLeadership(true);
    else await sleep(leaderRetryMs, signal);
    return acquired;
  }

  async function loop(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      if (!(await becomeLeader(signal))) continue;
      try {
        const leaderPid = leadership.leaderPid();
        if (leaderPid === undefined) continue; // lost between the check above and here
        await drainOutbox({
          pool,
          fence: { keys: leadership.keys, leaderPid },
          producer: await producer.get(),
          batchSize,
          sendTimeoutMs,
          afterPublish,
          deleteOnPublish: retentionMs === 0,
          keepGoing: () => !signal.aborted,
          onMarked: (count) => {
            metrics.published.inc({ outbox: name }, count);
            metrics.batchSize.observe({ outbox: name }, count);
            onPublished(count);
          },
        });
        failures = 0;
        await refreshGauges(Date.now());
        await cleanup(Date.now());
        // drainOutbox stops at the first short batch: the outbox was empty a moment ago. Sleep until
        // a NOTIFY (one that arrived while draining returns at once) or the next poll. Looking again
        // straight away would turn a steady trickle of writes into a busy loop of tiny claims.
        if (!signal.aborted) await wakeup.wait(pollIntervalMs);
      } catch (error) {
        failures += 1;
        metrics.publishFailures.inc({ outbox: name });
        onError(error);
        if (error instanceof KafkaSendError) await producer.reset();
        if (error instanceof OutboxError && error.code === 'OUTBOX_NOT_LEADER') await stepDown();
        await refreshGauges(Date.now());
        await sleep(backoffDelay(failures, backoff), signal);
      }
    }
  }

  return {
    start() {
      if (running) throw new OutboxError('OUTBOX_RELAY_STATE', 'relay already started');
      stopping = new AbortController();
      const signal = stopping.signal;
      running = loop(signal);
    },
    async stop() {
      stopping?.abort();
      wakeup.wake();
      await running;
      running = undefined;
      await stepDown();
      await producer.reset();
    },
    isLeader: () => leadership.isLeader(),
  };
}
