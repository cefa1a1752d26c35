// The lab's dashboards: the questions a user asks of each pattern, and the PromQL that answers.
// Rates use a fixed 1m window (Prometheus scrapes every 5 s) rather than Grafana's
// $__rate_interval, so each expression is plain PromQL that promtool can check as it stands.
import type { Dashboard } from './panels.ts';

const byService = (metric: string, filter = '') =>
  `sum by (service) (rate(${metric}{route!~"/health/.*|/metrics"${filter}}[1m]))`;

export const DASHBOARDS: Dashboard[] = [
  {
    uid: 'lab-overview',
    title: 'Lab overview (RED per service)',
    description: 'Rate, errors and duration of every service, through its replicas.',
    rows: [
      {
        title: 'Requests',
        panels: [
          {
            title: 'Request rate',
            unit: 'reqps',
            queries: [{ expr: byService('http_request_duration_seconds_count'), legend: '{{service}}' }],
          },
          {
            title: 'Error ratio (5xx)',
            unit: 'percentunit',
            queries: [
              {
                expr: `${byService('http_request_duration_seconds_count', ',status_code=~"5.."')} / ${byService('http_request_duration_seconds_count')}`,
                legend: '{{service}}',
              },
            ],
          },
          {
            title: 'p99 latency',
            unit: 's',
            queries: [
              {
                expr: `histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket{route!~"/health/.*|/metrics"}[1m])))`,
                legend: '{{service}}',
              },
            ],
          },
          {
            title: 'Replicas up (HAProxy checks)',
            unit: 'short',
            queries: [{ expr: 'sum by (proxy) (haproxy_server_status{state="UP"})', legend: '{{proxy}}' }],
          },
        ],
      },
    ],
  },
  {
    uid: 'lab-cache',
    title: 'Cache (L1 + Redis, stampede protection)',
    description: 'Hit ratio by layer, loads and the waits that stampede protection turns misses into.',
    rows: [
      {
        title: 'Cache',
        panels: [
          {
            title: 'Hit ratio by layer',
            unit: 'percentunit',
            queries: [
              {
                expr: 'sum by (service, cache, layer) (rate(cache_requests_total{result="hit"}[1m])) / ignoring(layer) group_left sum by (service, cache) (rate(cache_requests_total{layer="l1"}[1m]))',
                legend: '{{service}} {{cache}} {{layer}}',
              },
            ],
          },
          {
            title: 'Loads by result',
            unit: 'ops',
            queries: [
              {
                expr: 'sum by (service, cache, result) (rate(cache_loads_total[1m]))',
                legend: '{{service}} {{cache}} {{result}}',
              },
            ],
          },
          {
            title: 'Stampede: coalesced calls and lock waits',
            unit: 'ops',
            queries: [
              {
                expr: 'sum by (service, cache) (rate(cache_coalesced_total[1m]))',
                legend: '{{service}} {{cache}} coalesced',
              },
              {
                expr: 'sum by (service, cache) (rate(cache_lock_waits_total[1m]))',
                legend: '{{service}} {{cache}} lock waits',
              },
            ],
          },
          {
            title: 'Load duration p99',
            unit: 's',
            queries: [
              {
                expr: 'histogram_quantile(0.99, sum by (service, cache, le) (rate(cache_load_duration_seconds_bucket[1m])))',
                legend: '{{service}} {{cache}}',
              },
            ],
          },
        ],
      },
    ],
  },
  {
    uid: 'lab-ratelimit',
    title: 'Rate limiting',
    description: 'Decisions by outcome and rule, and what happens while Redis is away.',
    rows: [
      {
        title: 'Decisions',
        panels: [
          {
            title: 'Decisions by outcome',
            unit: 'ops',
            queries: [
              {
                expr: 'sum by (service, outcome) (rate(ratelimit_decisions_total[1m]))',
                legend: '{{service}} {{outcome}}',
              },
            ],
          },
          {
            title: 'Decisions by rule',
            unit: 'ops',
            queries: [
              {
                expr: 'sum by (service, rule) (rate(ratelimit_decisions_total[1m]))',
                legend: '{{service}} {{rule}}',
              },
            ],
          },
          {
            title: 'Redis errors and local blocks',
            unit: 'ops',
            queries: [
              {
                expr: 'sum by (service) (rate(ratelimit_redis_errors_total[1m]))',
                legend: '{{service}} Redis errors',
              },
              {
                expr: 'sum by (service) (rate(ratelimit_local_blocks_total[1m]))',
                legend: '{{service}} local blocks',
              },
            ],
          },
        ],
      },
    ],
  },
  {
    uid: 'lab-breakers',
    title: 'Circuit breakers',
    description: 'State over time (0 closed, 1 open, 2 half-open) and the calls refused while open.',
    rows: [
      {
        title: 'Breakers',
        panels: [
          {
            title: 'State',
            unit: 'short',
            queries: [
              { expr: 'max by (service, name) (circuit_breaker_state)', legend: '{{service}} {{name}}' },
            ],
          },
          {
            title: 'Calls by outcome',
            unit: 'ops',
            queries: [
              {
                expr: 'sum by (service, name, outcome) (rate(circuit_breaker_calls_total[1m]))',
                legend: '{{service}} {{name}} {{outcome}}',
              },
            ],
          },
          {
            title: 'Transitions',
            unit: 'short',
            queries: [
              {
                expr: 'sum by (service, name, to) (increase(circuit_breaker_transitions_total[5m]))',
                legend: '{{service}} {{name}} to {{to}}',
              },
            ],
          },
        ],
      },
    ],
  },
  {
    uid: 'lab-outbox',
    title: 'Transactional outbox',
    description: 'Backlog, lag and publish rate of every outbox relay.',
    rows: [
      {
        title: 'Relay',
        panels: [
          {
            title: 'Backlog (rows not yet published)',
            unit: 'short',
            queries: [
              { expr: 'max by (service, outbox) (outbox_backlog)', legend: '{{service}} {{outbox}}' },
            ],
          },
          {
            title: 'Lag (age of the oldest row)',
            unit: 's',
            queries: [
              { expr: 'max by (service, outbox) (outbox_lag_seconds)', legend: '{{service}} {{outbox}}' },
            ],
          },
          {
            title: 'Published and failed',
            unit: 'ops',
            queries: [
              {
                expr: 'sum by (service, outbox) (rate(outbox_published_total[1m]))',
                legend: '{{service}} {{outbox}} published',
              },
              {
                expr: 'sum by (service, outbox) (rate(outbox_publish_failures_total[1m]))',
                legend: '{{service}} {{outbox}} failures',
              },
            ],
          },
          {
            title: 'Consumed messages by outcome',
            unit: 'ops',
            queries: [
              {
                expr: 'sum by (service, outcome) (rate(outbox_consumer_messages_total[1m]))',
                legend: '{{service}} {{outcome}}',
              },
            ],
          },
        ],
      },
      {
        title: 'Rows Kafka refused for good',
        panels: [
          {
            title: 'Halted relays (1 = stopped at a refused row)',
            unit: 'short',
            description: "A relay with the 'halt' policy stops at the row and waits for an operator.",
            queries: [
              { expr: 'max by (service, outbox) (outbox_relay_halted)', legend: '{{service}} {{outbox}}' },
            ],
          },
          {
            title: 'Parked rows (outbox_dead_letters)',
            unit: 'short',
            description:
              "Rows a relay with the 'park' policy moved aside; each holds back its aggregate's later rows.",
            queries: [
              { expr: 'max by (service, outbox) (outbox_dead_letters)', legend: '{{service}} {{outbox}}' },
            ],
          },
          {
            title: 'Rows parked, by reason',
            unit: 'short',
            queries: [
              {
                expr: 'sum by (service, outbox, reason) (increase(outbox_parked_total[5m]))',
                legend: '{{service}} {{outbox}} {{reason}}',
              },
            ],
          },
        ],
      },
    ],
  },
  {
    uid: 'lab-kafka-lag',
    title: 'Kafka consumer lag',
    description:
      'Messages each consumer group has not yet committed, read from the broker (a stuck consumer cannot report its own lag).',
    rows: [
      {
        title: 'Lag',
        panels: [
          {
            title: 'Lag by group and topic',
            unit: 'short',
            queries: [
              {
                expr: 'sum by (consumergroup, topic) (kafka_consumergroup_lag)',
                legend: '{{consumergroup}} {{topic}}',
              },
            ],
          },
          {
            title: 'Worst partition per group',
            unit: 'short',
            description: 'One hot key fills one partition: the sum hides it, the maximum shows it.',
            queries: [
              { expr: 'max by (consumergroup) (kafka_consumergroup_lag)', legend: '{{consumergroup}}' },
            ],
          },
          {
            title: 'Lag trend (messages per second; above 0 = falling behind)',
            unit: 'short',
            queries: [
              {
                expr: 'sum by (consumergroup) (deriv(kafka_consumergroup_lag[5m]))',
                legend: '{{consumergroup}}',
              },
            ],
          },
          {
            title: 'Consumed messages by outcome',
            unit: 'ops',
            queries: [
              {
                expr: 'sum by (service, group, outcome) (rate(outbox_consumer_messages_total[1m]))',
                legend: '{{service}} {{group}} {{outcome}}',
              },
            ],
          },
        ],
      },
    ],
  },
  {
    uid: 'lab-feed',
    title: 'Feed fan-out',
    description: 'How posts reach timelines: pushed at write time, or pulled at read time for celebrities.',
    rows: [
      {
        title: 'Fan-out',
        panels: [
          {
            title: 'Posts by strategy (push / pull)',
            unit: 'ops',
            queries: [
              {
                expr: 'sum by (strategy) (rate(feed_fanout_posts_total[1m]))',
                legend: '{{strategy}}',
              },
            ],
          },
          {
            title: 'Timeline writes per second',
            unit: 'ops',
            description:
              'One post pushed to N followers is N writes: the write amplification of fan-out on write.',
            queries: [{ expr: 'sum (rate(feed_fanout_writes_total[1m]))', legend: 'writes' }],
          },
          {
            title: 'Writes per pushed post',
            unit: 'short',
            queries: [
              {
                expr: 'sum (rate(feed_fanout_writes_total[5m])) / sum (rate(feed_fanout_posts_total{strategy="push"}[5m]))',
                legend: 'followers written per post',
              },
            ],
          },
          {
            title: 'Feed reads by mode',
            unit: 'ops',
            description: 'degraded = Redis unavailable, the page was read from Postgres.',
            queries: [{ expr: 'sum by (mode) (rate(feed_reads_total[1m]))', legend: '{{mode}}' }],
          },
        ],
      },
    ],
  },
  {
    uid: 'lab-notifications',
    title: 'Notifications by channel, provider and outcome',
    description: 'Delivery jobs per lane, and every provider call: which provider took it and how it went.',
    rows: [
      {
        title: 'Delivery',
        panels: [
          {
            title: 'Jobs by channel and outcome',
            unit: 'ops',
            queries: [
              {
                expr: 'sum by (channel, outcome) (rate(notifications_messages_total[1m]))',
                legend: '{{channel}} {{outcome}}',
              },
            ],
          },
          {
            title: 'Provider calls by provider and outcome',
            unit: 'ops',
            queries: [
              {
                expr: 'sum by (channel, provider, outcome) (rate(notifications_provider_sends_total[1m]))',
                legend: '{{channel}} {{provider}} {{outcome}}',
              },
            ],
          },
          {
            title: 'Share of provider calls that failed, by provider',
            unit: 'percentunit',
            description:
              'What the breaker and failover react to: a provider above its threshold loses its traffic.',
            queries: [
              {
                expr: 'sum by (provider) (rate(notifications_provider_sends_total{outcome="failed"}[5m])) / sum by (provider) (rate(notifications_provider_sends_total[5m]))',
                legend: '{{provider}}',
              },
            ],
          },
          {
            title: 'Dead-lettered and deferred jobs',
            unit: 'short',
            queries: [
              {
                expr: 'sum by (channel, outcome) (increase(notifications_messages_total{outcome=~"dead_lettered|deferred"}[5m]))',
                legend: '{{channel}} {{outcome}}',
              },
            ],
          },
        ],
      },
    ],
  },
];
