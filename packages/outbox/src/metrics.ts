// Prometheus metrics of the outbox: backlog and lag tell whether the relay keeps up, the counters
// and the batch-size histogram how it publishes, the consumer counter what consumers do with events.
// Tests and services create many instances against one registry, so a metric that already exists
// is reused (the label `outbox` / `group` tells instances apart).
import client, { type Counter, type Gauge, type Histogram, type Registry } from 'prom-client';

function reuse<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export type RelayMetrics = {
  backlog: Gauge<'outbox'>;
  lagSeconds: Gauge<'outbox'>;
  published: Counter<'outbox'>;
  batchSize: Histogram<'outbox'>;
  publishFailures: Counter<'outbox'>;
};

export function relayMetrics(registry: Registry = client.register): RelayMetrics {
  const registers = [registry];
  return {
    backlog: reuse(
      registry,
      'outbox_backlog',
      () =>
        new client.Gauge({
          name: 'outbox_backlog',
          help: 'Outbox rows not yet published to Kafka.',
          labelNames: ['outbox'],
          registers,
        }),
    ),
    lagSeconds: reuse(
      registry,
      'outbox_lag_seconds',
      () =>
        new client.Gauge({
          name: 'outbox_lag_seconds',
          help: 'Age of the oldest unpublished outbox row (0 when the outbox is drained).',
          labelNames: ['outbox'],
          registers,
        }),
    ),
    published: reuse(
      registry,
      'outbox_published_total',
      () =>
        new client.Counter({
          name: 'outbox_published_total',
          help: 'Outbox events published to Kafka and marked published.',
          labelNames: ['outbox'],
          registers,
        }),
    ),
    batchSize: reuse(
      registry,
      'outbox_batch_size',
      () =>
        new client.Histogram({
          name: 'outbox_batch_size',
          help: 'Events per published relay batch.',
          labelNames: ['outbox'],
          buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
          registers,
        }),
    ),
    publishFailures: reuse(
      registry,
      'outbox_publish_failures_total',
      () =>
        new client.Counter({
          name: 'outbox_publish_failures_total',
          help: 'Relay batches that failed (Kafka unavailable, database error) and were retried.',
          labelNames: ['outbox'],
          registers,
        }),
    ),
  };
}

export type ConsumerOutcome = 'processed' | 'duplicate' | 'failed' | 'dead_lettered';

export function consumerMessages(registry: Registry = client.register): Counter<'group' | 'outcome'> {
  return reuse(
    registry,
    'outbox_consumer_messages_total',
    () =>
      new client.Counter({
        name: 'outbox_consumer_messages_total',
        help: 'Messages seen by idempotent consumers, by outcome (failed counts every failed attempt).',
        labelNames: ['group', 'outcome'],
        registers: [registry],
      }),
  );
}
