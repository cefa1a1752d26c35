// The delivery pipeline's metrics. Labels are bounded: channel (3), priority (high/low/shared),
// provider (the six configured names, or "all" for a send no provider took), outcome (fixed).
import { counter, type Registry } from '@lab/service-kit';

export type DeliveryMetrics = ReturnType<typeof deliveryMetrics>;

const JOB_OUTCOMES = [
  'sent',
  'deferred',
  'retried',
  'dead_lettered',
  'skipped',
  'duplicate',
  'invalid',
] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

const CHANNELS = ['email', 'sms', 'push'] as const;
const PRIORITIES = ['high', 'low'] as const;
const PROVIDER_ROLES = ['primary', 'secondary'] as const;
const SEND_OUTCOMES = ['accepted', 'failed', 'refused'] as const;

export function deliveryMetrics(registry: Registry) {
  const metrics = {
    messages: counter(registry, {
      name: 'notifications_messages_total',
      help: 'Delivery jobs by lane and outcome: sent, deferred (quiet hours), retried, dead_lettered, skipped (cap), duplicate',
      labelNames: ['channel', 'priority', 'outcome'] as const,
    }),
    sends: counter(registry, {
      name: 'notifications_provider_sends_total',
      help: 'Provider calls by channel, provider and outcome (accepted, failed = transient, refused = permanent)',
      labelNames: ['channel', 'provider', 'outcome'] as const,
    }),
  };
  // Every bounded label set starts at zero, so a dashboard's "dead-lettered" or "failed" series
  // exists (at 0) before the first failure, and rate() sees the first one as an increase.
  for (const channel of CHANNELS) {
    for (const priority of PRIORITIES) {
      for (const outcome of JOB_OUTCOMES) metrics.messages.inc({ channel, priority, outcome }, 0);
    }
    for (const role of PROVIDER_ROLES) {
      for (const outcome of SEND_OUTCOMES) {
        metrics.sends.inc({ channel, provider: `${channel}-${role}`, outcome }, 0);
      }
    }
  }
  return metrics;
}
