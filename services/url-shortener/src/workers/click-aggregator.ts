// The click aggregator: consumes url.clicked batches (per-link rollups from each redirecting
// process) with @lab/outbox's idempotent consumer, so a batch's counts commit in the same
// transaction as its event id (the batch id) and a redelivered batch changes nothing. A batch is
// summed per table in memory (domain/click-tally.ts) and written with one statement per table
// (adapters/click-stats-repository.ts): a few round trips per batch. Visitors go to a Redis
// HyperLogLog per code (idempotent by nature), one PFADD per code, pipelined. When a code's total
// crosses a milestone, the owner's notification.requested is enqueued in that same transaction,
// once per milestone (link_milestones' primary key), with a request id derived from code +
// milestone, in the trace of the redirect whose click crossed it when that redirect was traced.
import {
  decodeEvent,
  isEventContractError,
  notificationRequested,
  toOutboxEvent,
  urlClicked,
} from '@lab/events';
import {
  type ConsumedEvent,
  consume,
  contextFromHeaders,
  enqueue,
  type RunningConsumer,
  traceHeaders,
} from '@lab/outbox';
import { counter, type Logger, type Registry, type Worker } from '@lab/service-kit';
import { context } from '@opentelemetry/api';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import {
  addBreakdowns,
  addTotals,
  type CountedLink,
  claimMilestones,
} from '../adapters/click-stats-repository.ts';
import type { UniqueVisitors } from '../adapters/unique-visitors.ts';
import { type ClickTally, tallyOf, tallyRollups } from '../domain/click-tally.ts';
import { milestoneRequestId, milestonesCrossed } from '../domain/milestones.ts';
import type { Topics } from '../topics.ts';

export type AggregatorDeps = {
  kafka: Kafka;
  pool: pg.Pool;
  topics: Topics;
  visitors: UniqueVisitors;
  publicBaseUrl: string;
  registry: Registry;
  logger: Logger;
};

export function clickAggregatorWorker(deps: AggregatorDeps): Worker {
  let running: RunningConsumer | undefined;
  const skipped = counter(deps.registry, {
    name: 'url_milestone_notifications_skipped_total',
    help: "Milestones whose notification could not be built (an owner id outside the event contract's bounds).",
    labelNames: [],
  });

  const announce = async (
    tx: pg.PoolClient,
    link: CountedLink,
    milestone: number,
    headers: Record<string, string>,
  ) => {
    const requestId = milestoneRequestId(link.code, milestone);
    let event: ReturnType<typeof toOutboxEvent>;
    try {
      event = toOutboxEvent(
        notificationRequested,
        {
          requestId,
          userId: link.ownerId,
          category: 'transactional',
          template: 'url.milestone',
          data: { code: link.code, milestone, shortUrl: `${deps.publicBaseUrl}/${link.code}` },
          source: 'url-shortener',
        },
        { eventId: requestId },
      );
    } catch (error) {
      if (!isEventContractError(error)) throw error;
      // The clicks still count; only the announcement is impossible.
      skipped.inc();
      deps.logger.warn({ err: error, code: link.code, milestone }, 'milestone notification skipped');
      return;
    }
    await enqueue(tx, { ...event, topic: deps.topics.notification, headers });
  };

  /** Claims the milestones the batch crossed; announces each in the trace of the click that crossed it. */
  const announceMilestones = async (tx: pg.PoolClient, tally: ClickTally, links: CountedLink[]) => {
    const crossed = links.flatMap((link) =>
      milestonesCrossed(link.before, link.after).map((milestone) => ({ code: link.code, milestone })),
    );
    const byCode = new Map(links.map((link) => [link.code, link]));
    const traces = new Map(tally.codes.map((code) => [code.code, code.traced]));
    for (const { code, milestone } of await claimMilestones(tx, crossed)) {
      const link = byCode.get(code) as CountedLink;
      // The (milestone - before)-th click of this code in the batch is the one that crossed it;
      // if it was not traced, the announcement starts a trace of its own.
      const traceparent = traces.get(code)?.get(milestone - link.before) ?? null;
      // The redirect's context, not the batch's: the outbox row stores its traceparent, so the
      // notification (and the email it becomes) continues the redirect's trace. Passed as headers
      // too, so the row carries it even in a process without a context manager.
      const crossing = contextFromHeaders(traceparent ? { traceparent } : {});
      await context.with(crossing, () => announce(tx, link, milestone, traceHeaders(crossing)));
    }
  };

  const handle = async (event: ConsumedEvent, tx: pg.PoolClient) => {
    // A payload that breaks the contract throws EventContractError: retried, then dead-lettered.
    const batch = decodeEvent(urlClicked, event);
    const all = tallyRollups(batch.rollups);
    const links = await addTotals(tx, all);
    // Codes this database never had are not counted.
    const tally = tallyOf(all, new Set(links.map((link) => link.code)));
    await addBreakdowns(tx, tally);
    await announceMilestones(tx, tally, links);
    await deps.visitors.addMany(tally.codes);
  };

  return {
    name: 'click-aggregator',
    async start() {
      running = await consume({
        kafka: deps.kafka,
        pool: deps.pool,
        topic: deps.topics.clicked,
        groupId: deps.topics.aggregatorGroup,
        handler: handle,
        // One transaction per batch (a batch already carries up to 1,000 links' rollups). Two batches in
        // one transaction would lock their codes in two sorted runs, not one, and two consumers
        // could then deadlock on codes they share.
        messagesPerTransaction: 1,
        registry: deps.registry,
        onError: (error) => deps.logger.warn({ err: error }, 'click aggregation failed'),
      });
    },
    async stop() {
      await running?.stop();
    },
  };
}
