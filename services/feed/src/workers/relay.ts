// The outbox relay as a service worker: moves committed post and notification events to Kafka.
// Its start applies the outbox's own (idempotent) schema first; workers start before the server
// listens, so no write can reach the outbox before its table exists.
import { applyOutboxSchema, createOutboxRelay } from '@lab/outbox';
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
    start: async () => {
      await applyOutboxSchema(deps.pool);
      relay.start();
    },
    stop: () => relay.stop(),
  };
}
