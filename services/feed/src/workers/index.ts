// The feed's workers: the post cache's invalidation listener, the live hub, the outbox relay and
// the fan-out consumers. service-kit starts them together before the server listens (none needs
// another started first) and stops them in reverse order.
import type { ServiceDeps, Worker } from '@lab/service-kit';
import { type Config, topicsOf } from '../config.ts';
import type { FeedParts } from '../setup.ts';
import { fanoutWorkers } from './consumers.ts';
import { liveWorker } from './live.ts';
import { relayWorker } from './relay.ts';

export function feedWorkers(deps: ServiceDeps<Config>, parts: FeedParts): Worker[] {
  const { config, kafka, pg: pool, registry, logger } = deps;
  if (!kafka || !pool) throw new Error('feed needs Kafka and Postgres');
  const fanout = {
    timelines: parts.timelines,
    metrics: parts.metrics,
    threshold: parts.threshold,
    batchSize: config.FANOUT_BATCH,
    inactiveAfterMs: config.INACTIVE_AFTER_MS,
  };
  return [
    { name: 'post-cache', start: () => parts.cache.ready(), stop: () => parts.cache.close() },
    liveWorker({ parts, health: deps.health }),
    relayWorker({ pool, kafka, registry, logger, pollIntervalMs: config.OUTBOX_POLL_MS }),
    ...fanoutWorkers({
      kafka,
      pool,
      logger,
      registry,
      fanout,
      topics: topicsOf(config),
      groupId: config.FANOUT_GROUP,
      afterFanout: parts.afterFanout,
    }),
  ];
}
