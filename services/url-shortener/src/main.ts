// Composition root: config -> clients (service-kit: Postgres + migrations, Redis, Kafka + the
// topics this service produces) -> the service's parts (parts.ts) -> routes (+ the redirect fast
// path) -> workers (outbox relay, click publisher, click aggregator, cache invalidations) -> start.
import { outboxMigrations } from '@lab/outbox';
import { createService, type Logger, type Registry } from '@lab/service-kit';
import type { ISocketFactory } from 'kafkajs';
import { type Config, loadServiceConfig } from './config.ts';
import { mountFastRedirect } from './http/fast-path.ts';
import { mountRoutes, routes } from './http/routes.ts';
import { buildParts } from './parts.ts';
import { topicsFor } from './topics.ts';
import { clickAggregatorWorker } from './workers/click-aggregator.ts';
import { outboxRelayWorker } from './workers/outbox-relay.ts';

export async function createUrlShortenerService(
  config: Config,
  options: { registry?: Registry; logger?: Logger; kafkaSocketFactory?: ISocketFactory } = {},
) {
  const { kafkaSocketFactory, ...kitOptions } = options;
  return createService({
    name: 'url-shortener',
    config,
    postgres: {
      libraryMigrations: [outboxMigrations],
      migrationsDir: new URL('../migrations/', import.meta.url),
    },
    redis: true,
    kafka: {
      topics: topicsFor(config.KAFKA_TOPIC_PREFIX).produced.map((topic) => ({ topic })),
      ...(kafkaSocketFactory ? { socketFactory: kafkaSocketFactory } : {}),
    },
    trustProxy: config.TRUST_PROXY,
    ...kitOptions,
    setup: buildParts,
    routes: (app, deps, parts) => {
      mountRoutes(
        app,
        routes({
          ...parts,
          pool: parts.pool,
          publicBaseUrl: config.PUBLIC_BASE_URL,
          forgetCode: parts.links.forget,
          publishDeleted: parts.links.replace,
          redirect: parts.expressRedirect,
          auth: deps.auth,
          idempotency: () => deps.idempotency(),
        }),
      );
      if (config.REDIRECT_FAST_PATH) mountFastRedirect(app, parts.fastRedirect);
    },
    workers: (deps, parts) => [
      {
        name: 'link-invalidations',
        start: () => parts.links.cache.ready(),
        stop: () => parts.links.cache.close(),
      },
      outboxRelayWorker({ ...deps, pool: parts.pool, kafka: parts.kafka }),
      { name: 'click-publisher', start: parts.clicks.start, stop: parts.clicks.stop },
      ...(config.CLICK_AGGREGATOR
        ? [clickAggregatorWorker({ ...deps, ...parts, publicBaseUrl: config.PUBLIC_BASE_URL })]
        : []),
    ],
  });
}

if (import.meta.main) {
  const service = await createUrlShortenerService(loadServiceConfig());
  await service.start();
}
