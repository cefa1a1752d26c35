// @lab/outbox: the transactional outbox. Write events in the business transaction (enqueue), move
// them to Kafka with a relay (createOutboxRelay), process them once with an idempotent consumer
// (consume), park poison messages in `<topic>.dlq` and replay them (replayDlq).
export { type BackoffOptions, backoffDelay } from './backoff.ts';
export { deleteProcessedEvents, deletePublishedEvents, type PruneOptions } from './cleanup.ts';
export {
  type ConsumedEvent,
  type ConsumeOptions,
  consume,
  type EventHandler,
  type RunningConsumer,
} from './consumer.ts';
export { deadLetterHeaders, dlqTopicFor, ensureDlqTopic } from './dlq.ts';
export { type DualWritePublisher, type DualWritePublisherOptions, dualWritePublisher } from './dual-write.ts';
export { type EnqueueOptions, enqueue, enqueueMany, OUTBOX_CHANNEL, type OutboxEvent } from './enqueue.ts';
export { OutboxError, type OutboxErrorCode } from './errors.ts';
export { advisoryLockKeys, type LockKeys } from './leadership.ts';
export type { ConsumerOutcome } from './metrics.ts';
export { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './relay.ts';
export { type ReplayDlqOptions, type ReplayResult, replayDlq } from './replay-dlq.ts';
export { applyOutboxSchema, outboxMigrationsDir } from './schema.ts';
export { contextFromHeaders, formatTraceparent, parseTraceparent, traceHeaders } from './trace-context.ts';
