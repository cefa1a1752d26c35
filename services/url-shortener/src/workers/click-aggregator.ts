// The click aggregator: consumes url.clicked with @lab/outbox's idempotent consumer, so each
// click's counts commit in the same transaction as its event id and a redelivered click changes
// nothing. Per click: the running total, the day, the referrer host and the browser family in
// Postgres; the visitor in a Redis HyperLogLog (idempotent by nature). When the total crosses a
// milestone, the owner's notification.requested is enqueued in that same transaction, once per
// milestone (link_milestones' primary key), with a request id derived from code + milestone.
import {
  decodeEvent,
  isEventContractError,
  notificationRequested,
  toOutboxEvent,
  urlClicked,
} from '@lab/events';
import { consume, enqueue, type RunningConsumer } from '@lab/outbox';
import { counter, type Logger, type Registry, type Worker } from '@lab/service-kit';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { claimMilestone, recordClick } from '../adapters/click-stats-repository.ts';
import type { UniqueVisitors } from '../adapters/unique-visitors.ts';
import { referrerHost, userAgentFamily } from '../domain/click-fields.ts';
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

  const announce = async (tx: pg.PoolClient, code: string, ownerId: string, milestone: number) => {
    const requestId = milestoneRequestId(code, milestone);
    let event: ReturnType<typeof toOutboxEvent>;
    try {
      event = toOutboxEvent(
        notificationRequested,
        {
          requestId,
          userId: ownerId,
          category: 'transactional',
          template: 'url.milestone',
          data: { code, milestone, shortUrl: `${deps.publicBaseUrl}/${code}` },
          source: 'url-shortener',
        },
        { eventId: requestId },
      );
    } catch (error) {
      if (!isEventContractError(error)) throw error;
      // The click still counts; only the announcement is impossible.
      skipped.inc();
      deps.logger.warn({ err: error, code, milestone }, 'milestone notification skipped');
      return;
    }
    await enqueue(tx, { ...event, topic: deps.topics.notification });
  };

  const handle = async (
    event: Parameters<Parameters<typeof consume>[0]['handler']>[0],
    tx: pg.PoolClient,
  ) => {
    // A payload that breaks the contract throws EventContractError: retried, then dead-lettered.
    const click = decodeEvent(urlClicked, event);
    const counted = await recordClick(tx, {
      code: click.code,
      day: click.clickedAt.slice(0, 10),
      referrerHost: referrerHost(click.referrer),
      agentFamily: userAgentFamily(click.userAgent),
    });
    if (!counted) return; // a code this database never had: nothing to count
    for (const milestone of milestonesCrossed(counted.before, counted.after)) {
      if (await claimMilestone(tx, click.code, milestone))
        await announce(tx, click.code, counted.ownerId, milestone);
    }
    await deps.visitors.add(click.code, click.visitorId);
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
        registry: deps.registry,
        onError: (error) => deps.logger.warn({ err: error }, 'click aggregation failed'),
      });
    },
    async stop() {
      await running?.stop();
    },
  };
}
