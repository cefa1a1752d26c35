// KafkaJS client, the idempotent producer, and topic creation. The lab's broker has topic
// auto-creation off, so each service declares the topics it owns and creates them at start-up;
// a typo then fails loudly instead of silently producing into a stray topic. Creation and the
// wait for topics other services own come from @lab/kafka-topics (re-exported here), which returns
// only once every partition has a leader.
import {
  type Admin,
  type ISocketFactory,
  Kafka,
  type LogEntry,
  logLevel,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { KAFKA_CLIENT_DEFAULTS, READINESS_DEFAULTS } from '../defaults.ts';
import type { ReadinessCheck } from '../health/health.ts';
import type { Logger } from '../logger.ts';
import { fixKafkajsIdleLoop } from './kafkajs-idle-loop.ts';

export type { Admin, Kafka, Producer };

export type KafkaClientOptions = {
  brokers: string[];
  clientId: string;
  logger?: Logger;
  /** For tests: route broker connections through a fault proxy. */
  socketFactory?: ISocketFactory;
  /** Time to open a broker connection (ms). @default 3_000 — fails fast, tolerates a busy machine */
  connectionTimeout?: number;
  /** Time for one request (ms). @default 10_000 — bounds an acks=all produce that is stuck */
  requestTimeout?: number;
};

export function createKafkaClient(options: KafkaClientOptions): Kafka {
  fixKafkajsIdleLoop();
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeout ?? KAFKA_CLIENT_DEFAULTS.connectionTimeout,
    requestTimeout: options.requestTimeout ?? KAFKA_CLIENT_DEFAULTS.requestTimeout,
    ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
    logLevel: logLevel.WARN,
    ...(options.logger ? { logCreator: pinoLogCreator(options.logger) } : {}),
  });
}

/**
 * Idempotent producer: the broker de-duplicates retries by producer id + sequence number, so a
 * retried send after a lost ack does not write the message twice. It requires acks=all (-1,
 * KafkaJS's default for send) and, in KafkaJS, at most one in-flight request per connection,
 * which also keeps per-partition order across retries. Retries are left at KafkaJS's idempotent
 * default (unbounded, with backoff): capping them can break the exactly-once sequence, so callers
 * that need a deadline (an HTTP handler, the outbox relay) bound the send themselves.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // The Java-compatible murmur2 partitioner: a key lands on the same partition as it would
    // from any other Kafka client (and it silences KafkaJS's partitioner warning).
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

export { ensureTopics, type TopicSpec, type TopicWaitOptions, waitForTopics } from '@lab/kafka-topics';

/** Ready when the cluster answers a metadata request through the service's admin connection. */
export function kafkaCheck(
  admin: Admin,
  timeoutMs: number = READINESS_DEFAULTS.kafkaTimeoutMs,
): ReadinessCheck {
  return { name: 'kafka', timeoutMs, check: () => admin.describeCluster() };
}

/** Sends KafkaJS's own log lines through the service's pino logger. */
function pinoLogCreator(logger: Logger) {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _ts, ...extra } = log;
      const fields = { namespace, ...extra };
      if (level === logLevel.ERROR) kafkaLogger.error(fields, message);
      else if (level === logLevel.WARN) kafkaLogger.warn(fields, message);
      else if (level === logLevel.INFO) kafkaLogger.info(fields, message);
      else kafkaLogger.debug(fields, message);
    };
}
