// The outbox relay as a service worker: url.created, url.deleted and the milestones'
// notification.requested are written to the outbox table with the rows they describe; the relay
// (one leader across instances) publishes them to Kafka. See @lab/outbox's README. The outbox's
// table comes from its migrations, which main.ts hands to createService with the service's own.
import { createOutboxRelay, type OutboxRelay } from '@lab/outbox';
import type { Logger, Registry, Worker } from '@lab/service-kit';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';

export function outboxRelayWorker(deps: {
  pool: pg.Pool;
  kafka: Kafka;
  registry: Registry;
  logger: Logger;
}): Worker {
  let relay: OutboxRelay | undefined;
  return {
    name: 'outbox-relay',
    async start() {
      relay = createOutboxRelay({
        pool: deps.pool,
        kafka: deps.kafka,
        name: 'url-shortener',
        registry: deps.registry,
        onError: (error) => deps.logger.warn({ err: error }, 'outbox relay cycle failed'),
      });
      relay.start();
    },
    async stop() {
      await relay?.stop();
    },
  };
}
