// The service's parts, built once from the connected clients (service-kit's `setup`): the
// providers behind breakers, the budgets, the scheduler, the deliver step, and the workers that
// run them (outbox relay, Kafka intake, scheduler drain, one delivery consumer per lane).
import { createOutboxRelay } from '@lab/outbox';
import { createRateLimiter } from '@lab/ratelimit';
import type { ServiceDeps, TopicSpec, Worker } from '@lab/service-kit';
import type { Kafka, Producer } from 'kafkajs';
import type { IntakeOptions } from './adapters/intake.ts';
import { createBudgets } from './adapters/providers/budgets.ts';
import { createFailoverSender } from './adapters/providers/failover.ts';
import { createHttpProvider } from './adapters/providers/http-provider.ts';
import { createSmtpProvider } from './adapters/providers/smtp-provider.ts';
import { createScheduler } from './adapters/scheduler.ts';
import type { Config } from './config.ts';
import { lanesOf } from './domain/channels.ts';
import { createDeliver, type Lane } from './workers/deliver.ts';
import { deliveryMetrics } from './workers/delivery-metrics.ts';
import { createDeliveryWorker } from './workers/delivery-worker.ts';
import { createIntakeConsumer } from './workers/intake-consumer.ts';
import { createSchedulerWorker } from './workers/scheduler-worker.ts';

export type Clock = { now: () => Date };

export function requestedTopic(config: Config): string {
  return `${config.KAFKA_TOPIC_PREFIX}notification.requested`;
}

/** Topics this service creates at start-up: its lanes and their dead-letter topics. */
export function ownTopics(config: Config): TopicSpec[] {
  const partitions = config.KAFKA_PARTITIONS;
  return lanesOf(config.KAFKA_TOPIC_PREFIX, config.ROUTING_MODE).flatMap((lane) => [
    { topic: lane.topic, partitions },
    { topic: `${lane.topic}.dlq`, partitions: 1 },
  ]);
}

/** Topics other services produce that this one consumes: waited for at start-up, never created. */
export function consumedTopics(config: Config): string[] {
  return config.INTAKE_FROM_KAFKA ? [requestedTopic(config)] : [];
}

function senders(config: Config, registry: ServiceDeps['registry']) {
  const breaker = {
    failureRateThreshold: config.BREAKER_FAILURE_RATE,
    minimumCalls: config.BREAKER_MINIMUM_CALLS,
    openDurationMs: config.BREAKER_OPEN_MS,
  };
  const smtp = (name: string, port: number) =>
    createSmtpProvider({
      name,
      host: config.PROVIDER_SMTP_HOST,
      port,
      apiKey: config.PROVIDER_API_KEY,
      from: config.EMAIL_FROM,
      timeoutMs: config.PROVIDER_TIMEOUT_MS,
    });
  const http = (channel: 'sms' | 'push', role: string) =>
    createHttpProvider({
      name: `${channel}-${role}`,
      channel,
      baseUrl: config.PROVIDER_HTTP_URL,
      apiKey: config.PROVIDER_API_KEY,
      timeoutMs: config.PROVIDER_TIMEOUT_MS,
    });
  return {
    email: createFailoverSender(
      [
        smtp('email-primary', config.PROVIDER_SMTP_PRIMARY_PORT),
        smtp('email-secondary', config.PROVIDER_SMTP_SECONDARY_PORT),
      ],
      breaker,
      registry,
    ),
    sms: createFailoverSender([http('sms', 'primary'), http('sms', 'secondary')], breaker, registry),
    push: createFailoverSender([http('push', 'primary'), http('push', 'secondary')], breaker, registry),
  };
}

export function wire(deps: ServiceDeps<Config>, clock: Clock) {
  const { config, redis, pg, kafka, producer, registry, logger } = deps;
  if (!redis || !pg || !kafka || !producer) throw new Error('notifications needs Postgres, Redis and Kafka');
  const intake: IntakeOptions = { topicPrefix: config.KAFKA_TOPIC_PREFIX, routingMode: config.ROUTING_MODE };
  const limiter = createRateLimiter({
    redis,
    name: 'notifications',
    prefix: `${config.REDIS_KEY_PREFIX}rl:`,
    registry,
  });
  const budgets = createBudgets(limiter, {
    providerPerSecond: config.PROVIDER_RATE_PER_SECOND,
    userCapPerDay: config.USER_MARKETING_CAP_PER_DAY,
  });
  const scheduler = createScheduler(redis, `${config.REDIS_KEY_PREFIX}scheduled`);
  const channelSenders = senders(config, registry);
  const deadLetter = async (lane: Lane, job: { messageId: string }, reason: string, traceparent?: string) => {
    await producer.send({
      topic: `${lane.topic}.dlq`,
      acks: -1,
      messages: [
        {
          key: job.messageId,
          value: JSON.stringify(job),
          headers: {
            'dlq-reason': reason,
            'dlq-original-topic': lane.topic,
            ...(traceparent ? { traceparent } : {}),
          },
        },
      ],
    });
  };
  const deliver = createDeliver({
    pool: pg,
    senders: channelSenders,
    budgets,
    scheduler,
    now: clock.now,
    retryDelaysMs: config.RETRY_DELAYS_MS,
    deadLetter,
    metrics: deliveryMetrics(registry),
    logger,
  });
  const schedulerWorker = createSchedulerWorker({
    scheduler,
    producer,
    now: clock.now,
    pollMs: config.SCHEDULER_POLL_MS,
    logger,
  });
  return { intake, scheduler, schedulerWorker, deliver, channelSenders, kafka, producer };
}

export type Parts = ReturnType<typeof wire>;

export function workersOf(deps: ServiceDeps<Config>, parts: Parts): Worker[] {
  const { config, registry, logger } = deps;
  const pool = deps.pg as NonNullable<ServiceDeps['pg']>;
  const relay = createOutboxRelay({ pool, kafka: parts.kafka as Kafka, registry, name: 'notifications' });
  const prefix = config.KAFKA_TOPIC_PREFIX;
  const lanes = lanesOf(prefix, config.ROUTING_MODE).map((lane) =>
    createDeliveryWorker({
      kafka: parts.kafka as Kafka,
      producer: parts.producer as Producer,
      lane,
      groupId: `${prefix}notifications.delivery.${lane.channel}.${lane.priority}`,
      concurrency: config.DELIVERY_CONCURRENCY,
      deliver: parts.deliver,
      logger,
    }),
  );
  const intake = config.INTAKE_FROM_KAFKA
    ? [
        createIntakeConsumer({
          kafka: parts.kafka as Kafka,
          pool,
          topic: requestedTopic(config),
          groupId: `${prefix}notifications.intake`,
          intake: parts.intake,
          registry,
          logger,
        }),
      ]
    : [];
  return [
    {
      name: 'outbox-relay',
      start: async () => relay.start(),
      stop: () => relay.stop(),
    },
    ...intake,
    parts.schedulerWorker,
    ...lanes,
    { name: 'providers', start: async () => {}, stop: () => closeSenders(parts) },
  ];
}

async function closeSenders(parts: Parts): Promise<void> {
  await Promise.all(Object.values(parts.channelSenders).map((sender) => sender.close()));
}
