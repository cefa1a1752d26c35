// Composition root: config -> clients (service-kit: Postgres + migrations, Redis, Kafka + topics)
// -> the service's parts (wiring.ts) -> routes -> workers (relay, intake, scheduler, delivery
// lanes) -> start. `clock` (quiet hours, retry and deferral due times) is injectable for tests.
import { outboxMigrations } from '@lab/outbox';
import { createService, type Logger, type Registry } from '@lab/service-kit';
import { type Config, loadServiceConfig } from './config.ts';
import { mountRoutes, routes } from './http/routes.ts';
import { type Clock, consumedTopics, ownTopics, type Parts, wire, workersOf } from './wiring.ts';

export async function createNotificationsService(
  config: Config,
  options: { registry?: Registry; logger?: Logger; clock?: Clock } = {},
) {
  const { clock = { now: () => new Date() }, ...serviceOptions } = options;
  let parts: Parts | undefined;
  const service = await createService({
    name: 'notifications',
    config,
    postgres: {
      libraryMigrations: [outboxMigrations],
      migrationsDir: new URL('../migrations/', import.meta.url),
      max: 20,
    },
    redis: true,
    // Its own notify.* lanes are created here; notification.requested belongs to its producers
    // (url-shortener, feed) and is only waited for, and only when Kafka intake is on.
    kafka: { topics: ownTopics(config), consumes: consumedTopics(config) },
    ...serviceOptions,
    setup: (deps) => {
      parts = wire(deps, clock);
      return parts;
    },
    routes: (app, deps, { intake }) => {
      mountRoutes(
        app,
        routes({
          pool: deps.pg as NonNullable<typeof deps.pg>,
          intake,
          auth: deps.auth,
          idempotency: () => deps.idempotency(),
          webhook: {
            secret: config.WEBHOOK_SECRET,
            toleranceSeconds: config.WEBHOOK_TOLERANCE_SECONDS,
            now: clock.now,
          },
        }),
      );
    },
    workers: workersOf,
  });
  // Tests drive the scheduler by hand (with their injected clock) and read breaker states.
  return Object.assign(service, { parts: parts as Parts });
}

if (import.meta.main) {
  const service = await createNotificationsService(loadServiceConfig());
  await service.start();
}
