// The outbox relay as a service worker: moves committed post and notification events to Kafka.
// The outbox's table comes from its migrations, which main.ts hands to createService: they run
// before any worker starts, so no consumer's write can reach the outbox before the table exists.
import { createOutboxRelay } from '@lab/outbox';
import type { Kafka, Logger, Registry, Worker } from '@lab/service-kit';
import type pg from 'pg';

export function relayWorker(deps: {
  pool: pg.Pool;
  kafka: Kafka;
  registry: Registry;
  logger: Logger;
  pollIntervalMs: number;
}): Worker {
  const relay = createOutboxRelay({
    pool: deps.pool,
    kafka: deps.kafka,
    name: 'feed',
    registry: deps.registry,
    pollIntervalMs: deps.pollIntervalMs,
    onError: (error) => deps.logger.warn({ err: error }, 'outbox relay cycle failed'),
  });
  return {
    name: 'outbox-relay',
    start: async () => relay.start(),
    stop: () => relay.stop(),
  };
}
