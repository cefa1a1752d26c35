// Prometheus metrics of the outbox: backlog and lag tell whether the relay keeps up, the counters
// and the batch-size histogram how it publishes, the consumer counter what consumers do with events.
// Tests and services create many instances against one registry, so a metric that already exists
// is reused (@lab/metrics; the label `outbox` / `group` tells instances apart).
import { counter, gauge, histogram } from '@lab/metrics';
import client, { type Counter, type Gauge, type Histogram, type Registry } from 'prom-client';

export type RelayMetrics = {
  backlog: Gauge<'outbox'>;
  lagSeconds: Gauge<'outbox'>;
  published: Counter<'outbox'>;
  batchSize: Histogram<'outbox'>;
  publishFailures: Counter<'outbox'>;
  halted: Gauge<'outbox'>;
  deadLetters: Gauge<'outbox'>;
  parked: Counter<'outbox' | 'reason'>;
};

export function relayMetrics(registry: Registry = client.register): RelayMetrics {
  const labelNames = ['outbox'] as const;
  return {
    backlog: gauge(registry, {
      name: 'outbox_backlog',
      help: 'Outbox rows not yet published to Kafka.',
      labelNames,
    }),
    lagSeconds: gauge(registry, {
      name: 'outbox_lag_seconds',
      help: 'Age of the oldest unpublished outbox row (0 when the outbox is drained).',
      labelNames,
    }),
    published: counter(registry, {
      name: 'outbox_published_total',
      help: 'Outbox events published to Kafka and marked published.',
      labelNames,
    }),
    batchSize: histogram(registry, {
      name: 'outbox_batch_size',
      help: 'Events per published relay batch.',
      labelNames,
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
    }),
    publishFailures: counter(registry, {
      name: 'outbox_publish_failures_total',
      help: 'Relay batches that failed (Kafka unavailable, database error) and were retried.',
      labelNames,
    }),
    halted: gauge(registry, {
      name: 'outbox_relay_halted',
      help: "1 while the relay is halted at a row Kafka refuses for good (policy 'halt'); alert on it.",
      labelNames,
    }),
    deadLetters: gauge(registry, {
      name: 'outbox_dead_letters',
      help: 'Rows in outbox_dead_letters: parked, each holding back the later rows of its aggregate.',
      labelNames,
    }),
    // reason is an OutboxErrorCode: a closed set, so the label stays bounded.
    parked: counter(registry, {
      name: 'outbox_parked_total',
      help: "Rows the relay moved to outbox_dead_letters (policy 'park'), by reason.",
      labelNames: ['outbox', 'reason'],
    }),
  };
}

export type ConsumerOutcome = 'processed' | 'duplicate' | 'failed' | 'dead_lettered';

export function consumerMessages(registry: Registry = client.register): Counter<'group' | 'outcome'> {
  return counter(registry, {
    name: 'outbox_consumer_messages_total',
    help: 'Messages seen by idempotent consumers, by outcome (failed counts every failed attempt).',
    labelNames: ['group', 'outcome'],
  });
}
