// The outbox relay: a loop that moves committed outbox rows to Kafka. One instance per outbox is the
// leader (advisory lock, see leadership.ts); others stand by and take over when the leader dies.
// The leader publishes batches until the outbox is empty, then sleeps until a NOTIFY wake-up hint
// or the poll interval, whichever comes first.
//
// A failed cycle is judged (relay-failure.ts): transient failures (Kafka down) are retried with
// exponential backoff, forever. A row Kafka refuses for good (too large, a topic that stayed
// missing) must not stop everything: with the policy `park` it moves to outbox_dead_letters and
// only the later rows of ITS aggregate wait behind it (dead-letters.ts); with `halt` the relay
// stops at it, names the row, and sets outbox_relay_halted until resume() or a restart.
import { backoffDelay, pause } from './backoff.ts';
import { parkRows } from './dead-letters.ts';
import { isOutboxError, OutboxError, type OutboxRowRef } from './errors.ts';
import { createLeadership, type Leadership } from './leadership.ts';
import { type RelayMetrics, relayMetrics } from './metrics.ts';
import { createProducerSession, type ProducerSession } from './producer-session.ts';
import { drainOutbox } from './relay-batch.ts';
import { createFailureJudge, type FailureDecision, type FailureJudge } from './relay-failure.ts';
import { createHousekeeping, type Housekeeping } from './relay-housekeeping.ts';
import {
  type OutboxRelayOptions,
  type RelayHalt,
  type ResolvedRelayOptions,
  resolveRelayOptions,
} from './relay-options.ts';
import { createTopicLister, type TopicLister } from './topic-lister.ts';
import { createWakeup, type Wakeup } from './wakeup.ts';

export type { OutboxRelayOptions, PermanentErrorPolicy, RelayHalt } from './relay-options.ts';
export { RELAY_DEFAULTS, RELAY_POOL_CONNECTIONS } from './relay-options.ts';

export type OutboxRelay = {
  start(): void;
  /** Finishes the batch in flight, releases leadership and disconnects the producer. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** Where the relay stopped under the `halt` policy; undefined while it publishes. */
  halted(): RelayHalt | undefined;
  /** Leaves the halted state (after the cause was fixed): the refused row is tried again. */
  resume(): void;
};

type Relay = {
  options: ResolvedRelayOptions;
  metrics: RelayMetrics;
  wakeup: Wakeup;
  leadership: Leadership;
  producer: ProducerSession;
  topics: TopicLister;
  judge: FailureJudge;
  housekeeping: Housekeeping;
  /** Rows whose multi-row send was refused as a whole: sent one per request until a cycle succeeds. */
  sendAlone: Set<string>;
  failures: number;
  halt?: RelayHalt;
};

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const relay = createRelay(resolveRelayOptions(options));
  let stopping: AbortController | undefined;
  let running: Promise<void> | undefined;
  return {
    start() {
      if (running) throw new OutboxError('OUTBOX_RELAY_STATE', 'relay already started');
      stopping = new AbortController();
      running = loop(relay, stopping.signal);
    },
    async stop() {
      stopping?.abort();
      relay.wakeup.wake();
      await running;
      running = undefined;
      await stepDown(relay);
      await relay.producer.reset();
      await relay.topics.close();
    },
    isLeader: () => relay.leadership.isLeader(),
    halted: () => relay.halt,
    resume() {
      relay.halt = undefined;
      relay.metrics.halted.set({ outbox: relay.options.name }, 0);
      relay.wakeup.wake();
    },
  };
}

function createRelay(options: ResolvedRelayOptions): Relay {
  const { pool, kafka, name, registry, onError, onLeadership } = options;
  const metrics = relayMetrics(registry);
  // Series exist from the first scrape, at zero: an alert or panel on failures has something to
  // read before the first one, and rate() counts that first one.
  metrics.halted.set({ outbox: name }, 0);
  metrics.published.inc({ outbox: name }, 0);
  metrics.publishFailures.inc({ outbox: name }, 0);
  const wakeup = createWakeup();
  const topics = createTopicLister(kafka);
  return {
    options,
    metrics,
    wakeup,
    topics,
    leadership: createLeadership({
      pool,
      name,
      listen: options.wakeOnNotify,
      onNotify: () => wakeup.wake(),
      onLost: (error) => {
        onError(error);
        onLeadership(false);
      },
    }),
    producer: createProducerSession(kafka, { retries: options.sendRetries }),
    judge: createFailureJudge({
      missingTopicGraceMs: options.missingTopicGraceMs,
      topicsPresent: (names) => topics.present(names),
    }),
    housekeeping: createHousekeeping({ ...options, metrics }),
    sendAlone: new Set(),
    failures: 0,
  };
}

async function loop(relay: Relay, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    if (!(await becomeLeader(relay, signal))) continue;
    // Halted: keep the leadership (a standby would only halt at the same row), keep the gauges
    // fresh, publish nothing.
    if (relay.halt) {
      await relay.housekeeping.refreshGauges(Date.now());
      await relay.wakeup.wait(relay.options.pollIntervalMs);
      continue;
    }
    try {
      await publishCycle(relay, signal);
    } catch (error) {
      await recover(relay, error, signal);
    }
  }
}

async function publishCycle(relay: Relay, signal: AbortSignal): Promise<void> {
  const { options, metrics } = relay;
  const leaderPid = relay.leadership.leaderPid();
  if (leaderPid === undefined) return; // lost between the leadership check and here
  await drainOutbox({
    pool: options.pool,
    fence: { keys: relay.leadership.keys, leaderPid },
    producer: await relay.producer.get(),
    batchSize: options.batchSize,
    maxBatchBytes: options.maxBatchBytes,
    sendAlone: relay.sendAlone,
    sendTimeoutMs: options.sendTimeoutMs,
    afterPublish: options.afterPublish,
    deleteOnPublish: options.retentionMs === 0,
    keepGoing: () => !signal.aborted,
    onMarked: (count) => {
      metrics.published.inc({ outbox: options.name }, count);
      metrics.batchSize.observe({ outbox: options.name }, count);
      options.onPublished(count);
    },
  });
  relay.failures = 0;
  relay.sendAlone.clear();
  await relay.housekeeping.refreshGauges(Date.now());
  await relay.housekeeping.cleanup(Date.now());
  // drainOutbox stops at the first short batch: the outbox was empty a moment ago. Sleep until a
  // NOTIFY (one that arrived while draining returns at once) or the next poll. Looking again
  // straight away would turn a steady trickle of writes into a busy loop of tiny claims.
  if (!signal.aborted) await relay.wakeup.wait(options.pollIntervalMs);
}

async function recover(relay: Relay, error: unknown, signal: AbortSignal): Promise<void> {
  const { options } = relay;
  relay.metrics.publishFailures.inc({ outbox: options.name });
  // A failed send may have been written with only the ack lost: a new producer id (producer-session.ts).
  if (isOutboxError(error, 'OUTBOX_SEND_FAILED')) await relay.producer.reset();
  const decision: FailureDecision = isOutboxError(error, 'OUTBOX_NOT_LEADER')
    ? { kind: 'retry', report: error }
    : await relay.judge(error);
  options.onError(decision.report);
  if (isOutboxError(error, 'OUTBOX_NOT_LEADER')) await stepDown(relay);
  if (decision.kind === 'isolate') {
    for (const id of decision.ids) relay.sendAlone.add(id);
    return; // at once: the next cycle sends those rows one by one
  }
  if (decision.kind === 'permanent') {
    try {
      await applyPolicy(relay, decision.rows);
      return;
    } catch (policyError) {
      options.onError(policyError);
      if (isOutboxError(policyError, 'OUTBOX_NOT_LEADER')) await stepDown(relay);
    }
  }
  relay.failures += 1;
  await relay.housekeeping.refreshGauges(Date.now());
  await pause(backoffDelay(relay.failures, options.backoff), signal);
}

type Refused = { row: OutboxRowRef; code: string; message: string };

async function applyPolicy(relay: Relay, rows: Parameters<typeof parkRows>[2]): Promise<void> {
  const { options, metrics } = relay;
  if (options.permanentErrors === 'halt') {
    const first = rows[0] as Refused;
    const { id, ...ref } = first.row;
    relay.halt = { ...ref, rowId: id, code: first.code, reason: first.message };
    metrics.halted.set({ outbox: options.name }, 1);
    options.onError(
      new OutboxError(
        'OUTBOX_RELAY_HALTED',
        `relay "${options.name}" halted at ${describe(first)}; fix the cause, then resume() or restart`,
        { rows: [first.row] },
      ),
    );
    return;
  }
  const leaderPid = relay.leadership.leaderPid();
  if (leaderPid === undefined) return;
  await parkRows(options.pool, { keys: relay.leadership.keys, leaderPid }, rows);
  for (const refused of rows) {
    metrics.parked.inc({ outbox: options.name, reason: refused.code });
    options.onError(
      new OutboxError(
        'OUTBOX_EVENT_PARKED',
        `parked ${describe(refused)}; later rows of its aggregate wait for a re-queue`,
        { rows: [refused.row] },
      ),
    );
  }
}

function describe({ row, code, message }: Refused): string {
  return (
    `outbox row ${row.id} (event ${row.eventId}, topic "${row.topic}", ` +
    `aggregate ${row.aggregateType}/${row.aggregateId}): ${code}: ${message}`
  );
}

// The fence found our leader session gone: drop the connection and compete for the lock again.
async function stepDown(relay: Relay): Promise<void> {
  const wasLeader = relay.leadership.isLeader();
  await relay.leadership.release();
  if (wasLeader) relay.options.onLeadership(false);
}

async function becomeLeader(relay: Relay, signal: AbortSignal): Promise<boolean> {
  if (relay.leadership.isLeader()) return true;
  const acquired = await relay.leadership.tryAcquire().catch((error) => {
    relay.options.onError(error);
    return false;
  });
  if (acquired) relay.options.onLeadership(true);
  else await pause(relay.options.leaderRetryMs, signal);
  return acquired;
}
