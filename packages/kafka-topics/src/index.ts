// @lab/kafka-topics: create Kafka topics and wait until they are usable (every partition has a
// leader), or wait for topics another service creates. The one way the lab's services, outbox and
// tests create topics, so a freshly started broker cannot fail them by timing luck.
export type { AdminTarget } from './admin-target.ts';
export {
  isKafkaTopicsError,
  isTopicsNotReady,
  KAFKA_TOPICS_ERROR_CODES,
  KafkaTopicsError,
  type KafkaTopicsErrorCode,
  TopicsNotReadyError,
} from './errors.ts';
export { topicsNotReady } from './leaders.ts';
export {
  ensureTopics,
  TOPIC_DEFAULTS,
  type TopicSpec,
  type TopicWaitOptions,
  waitForTopics,
} from './topics.ts';
export { isTransient } from './transient.ts';
