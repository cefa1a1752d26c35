// @lab/outbox: the transactional outbox. Write events in the business transaction (enqueue), move
// them to Kafka with a relay (createOutboxRelay), process them once with an idempotent consumer
// (consume), park poison messages in `<topic>.dlq` and replay them (replayDlq).
export { type BackoffOptions, backoffDelay } from './backoff.ts';
export { deleteProcessedEvents, deletePublishedEvents, type PruneOptions } from './cleanup.ts';
export {
  CONSUMER_DEFAULTS,
  type ConsumedEvent,
  type ConsumeOptions,
  consume,
  type EventHandler,
  type RunningConsumer,
} from './consumer.ts';
export {
  type DeadLetter,
  listDeadLetters,
  type RequeueFilter,
  requeueDeadLetters,
} from './dead-letters.ts';
export { deadLetterHeaders, dlqTopicFor, ensureDlqTopic } from './dlq.ts';
export {
  ENQUEUE_DEFAULTS,
  type EnqueueOptions,
  enqueue,
  enqueueMany,
  OUTBOX_CHANNEL,
  type OutboxEvent,
} from './enqueue.ts';
export {
  isOutboxError,
  OUTBOX_ERROR_CODES,
  OutboxError,
  type OutboxErrorCode,
  type OutboxRowRef,
} from './errors.ts';
export { advisoryLockKeys, type LockKeys } from './leadership.ts';
export type { ConsumerOutcome } from './metrics.ts';
export { DEFAULT_MAX_EVENT_BYTES } from './outbox-message.ts';
export {
  createOutboxRelay,
  type OutboxRelay,
  type OutboxRelayOptions,
  type PermanentErrorPolicy,
  RELAY_DEFAULTS,
  RELAY_POOL_CONNECTIONS,
  type RelayHalt,
} from './relay.ts';
export { REPLAY_DEFAULTS, type ReplayDlqOptions, type ReplayResult, replayDlq } from './replay-dlq.ts';
export { applyOutboxSchema, outboxMigrations, outboxMigrationsDir } from './schema.ts';
export { contextFromHeaders, formatTraceparent, parseTraceparent, traceHeaders } from './trace-context.ts';
