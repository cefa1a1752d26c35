// Composition root: config -> clients (service-kit: Postgres + migrations, Redis, Kafka + the
// topics this service produces) -> the feed's objects (setup.ts) -> routes -> workers (outbox
// relay, fan-out consumers, live hub, post-cache listener; workers/index.ts) -> start.
import { topicsProducedBy } from '@lab/events';
import { outboxMigrations } from '@lab/outbox';
import { createService, type Logger, type Registry } from '@lab/service-kit';
import { type Config, configuredTopic, loadServiceConfig, topicsOf } from './config.ts';
import { mountRoutes, routes } from './http/routes.ts';
import { setupFeed } from './setup.ts';
import { feedWorkers } from './workers/index.ts';

export async function createFeedService(
  config: Config,
  options: { registry?: Registry; logger?: Logger } = {},
) {
  const topics = topicsOf(config);
  return createService({
    name: 'feed',
    config,
    // The relay holds up to four connections and each consumer one; requests get the rest.
    postgres: {
      libraryMigrations: [outboxMigrations],
      migrationsDir: new URL('../migrations/', import.meta.url),
      max: 20,
    },
    redis: true,
    // ensureTopics (service-kit) creates the topics the feed produces and waits until the broker
    // serves them; the fan-out consumers read two of them, so they need no wait of their own.
    kafka: {
      topics: topicsProducedBy('feed').map((topic) => ({
        topic: configuredTopic(topic, topics),
        partitions: 3,
      })),
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
          stream: parts.stream.handler,
          postMaxChars: config.POST_MAX_CHARS,
          maxFollowing: config.MAX_FOLLOWING,
          pageMax: config.PAGE_MAX,
        }),
      );
    },
    workers: feedWorkers,
  });
}

if (import.meta.main) {
  const service = await createFeedService(loadServiceConfig());
  await service.start();
}
