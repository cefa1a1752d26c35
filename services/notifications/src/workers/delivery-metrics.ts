// The delivery pipeline's metrics. Labels are bounded: channel (3), priority (high/low/shared),
// provider (the six configured names, or "all" for a send no provider took), outcome (fixed).
import { counter, type Registry } from '@lab/service-kit';

export type DeliveryMetrics = ReturnType<typeof deliveryMetrics>;

export type JobOutcome =
  | 'sent'
  | 'deferred'
  | 'retried'
  | 'dead_lettered'
  | 'skipped'
  | 'duplicate'
  | 'invalid';

export function deliveryMetrics(registry: Registry) {
  return {
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
}
