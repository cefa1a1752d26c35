// Intake from Kafka: `notification.requested` events (published through other services'
// outboxes) consumed with @lab/outbox's idempotent consumer. The event is decoded against the
// shared contract first; a violation is dead-lettered at once (retrying cannot fix it), anything
// else runs `acceptRequest` in the consumer's transaction, next to the processed-event record.
import { decodeEvent, isEventContractError, notificationRequested } from '@lab/events';
import { consume, type RunningConsumer } from '@lab/outbox';
import type { Logger, Registry, Worker } from '@lab/service-kit';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { acceptRequest, type IntakeOptions } from '../adapters/intake.ts';

export function createIntakeConsumer(options: {
  kafka: Kafka;
  pool: pg.Pool;
  topic: string;
  groupId: string;
  intake: IntakeOptions;
  registry: Registry;
  logger: Logger;
}): Worker {
  let running: RunningConsumer | undefined;
  return {
    name: 'intake:notification.requested',
    async start() {
      running = await consume({
        kafka: options.kafka,
        pool: options.pool,
        topic: options.topic,
        groupId: options.groupId,
        registry: options.registry,
        // A contract violation or an unknown template fails the same way every time: a few quick
        // attempts (a template may be added meanwhile), then the DLQ, where a replay can retry it.
        maxAttempts: 3,
        onError: (error) => {
          if (!isEventContractError(error))
            options.logger.warn({ err: error }, 'notification.requested failed');
        },
        handler: async (event, tx) => {
          const request = decodeEvent(notificationRequested, event);
          await acceptRequest(
            tx,
            {
              eventId: request.requestId,
              category: request.category,
              template: request.template,
              data: request.data,
              channels: request.channels,
              traceHeaders: event.headers.traceparent ? { traceparent: event.headers.traceparent } : {},
            },
            { userIds: [request.userId] },
            options.intake,
          );
        },
      });
    },
    async stop() {
      await running?.stop();
    },
  };
}
