// Composition root: config -> clients (service-kit: Postgres + migrations, Redis, Kafka + topics)
// -> the feed's objects (setup.ts) -> routes -> workers (outbox relay, fan-out consumers, the live
// hub and the post cache's invalidation listener) -> start.
import { topicsProducedBy } from '@lab/events';
import { createService, type Logger, type Registry, type ServiceDeps } from '@lab/service-kit';
import { type Config, loadServiceConfig } from './config.ts';
import { mountRoutes, routes } from './http/routes.ts';
import { type FeedParts, setupFeed } from './setup.ts';
import { fanoutWorkers } from './workers/consumers.ts';
import { liveWorker } from './workers/live.ts';
import { relayWorker } from './workers/relay.ts';

const topicsOf = (config: Config) => ({
  postCreated: config.TOPIC_POST_CREATED,
  postDeleted: config.TOPIC_POST_DELETED,
  notificationRequested: config.TOPIC_NOTIFICATION_REQUESTED,
});

function workers(deps: ServiceDeps<Config>, parts: FeedParts) {
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

export async function createFeedService(
  config: Config,
  options: { registry?: Registry; logger?: Logger } = {},
) {
  const topics = topicsOf(config);
  return createService({
    name: 'feed',
    config,
    postgres: { migrationsDir: new URL('../migrations/', import.meta.url), max: 20 },
    redis: true,
    // The topics this service produces (`topicsProducedBy('feed')`), under their configured names.
    kafka: {
      topics: topicsProducedBy('feed').map((topic) => ({ topic: renamed(topic, topics), partitions: 3 })),
    },
    trustProxy: config.TRUST_PROXY,
    ...options,
    setup: setupFeed,
    routes: (app, deps, parts) => {
      mountRoutes(
        app,
        routes({
          ...parts,
          topics,
          auth: deps.auth,
          idempotency: () => deps.idempotency(),
          postMaxChars: config.POST_MAX_CHARS,
          maxFollowing: config.MAX_FOLLOWING,
          pageMax: config.PAGE_MAX,
          stream: parts.stream.handler,
        }),
      );
    },
    workers,
  });
}

function renamed(topic: string, topics: ReturnType<typeof topicsOf>): string {
  return (
    (
      {
        'post.created': topics.postCreated,
        'post.deleted': topics.postDeleted,
        'notification.requested': topics.notificationRequested,
      } as Record<string, string>
    )[topic] ?? topic
  );
}

if (import.meta.main) {
  const service = await createFeedService(loadServiceConfig());
  await service.start();
}
