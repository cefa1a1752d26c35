// One channel's providers in order of preference (primary, then secondary), each behind its own
// circuit breaker (@lab/resilience). A send tries the primary; when it fails for a transient
// reason or its breaker is open, the secondary takes the message. Once the primary's breaker has
// opened, its calls are refused without waiting for a timeout, so traffic moves to the secondary
// at once, and the breaker's half-open probes move it back when the primary recovers.
//
// A permanent failure (the message itself is refused) is not failed over: the secondary would
// refuse it too, and it must not count against either breaker.

import { type CircuitBreaker, createCircuitBreaker } from '@lab/resilience';
import type { Registry } from '@lab/service-kit';
import { isPermanent } from './errors.ts';
import type { OutgoingMessage, Provider } from './provider.ts';

export type BreakerSettings = { failureRateThreshold: number; minimumCalls: number; openDurationMs: number };

export type ChannelSender = {
  /** Sends through the first provider that takes it; returns that provider's name. */
  send(message: OutgoingMessage, beforeCall: (provider: string) => Promise<void>): Promise<string>;
  readonly breakers: readonly CircuitBreaker[];
  close(): Promise<void>;
};

export function createFailoverSender(
  providers: readonly Provider[],
  settings: BreakerSettings,
  registry: Registry,
): ChannelSender {
  const guarded = providers.map((provider) => ({
    provider,
    breaker: createCircuitBreaker({
      name: provider.name,
      window: { type: 'count', size: Math.max(20, settings.minimumCalls * 2) },
      minimumCalls: settings.minimumCalls,
      failureRateThreshold: settings.failureRateThreshold,
      openDurationMs: settings.openDurationMs,
      isFailure: (error) => !isPermanent(error),
      registry,
    }),
  }));
  return {
    breakers: guarded.map((entry) => entry.breaker),
    async send(message, beforeCall) {
      let lastError: unknown;
      for (const { provider, breaker } of guarded) {
        try {
          await beforeCall(provider.name);
          await breaker.execute(() => provider.send(message));
          return provider.name;
        } catch (error) {
          if (isPermanent(error)) throw error;
          lastError = error;
        }
      }
      throw lastError;
    },
    async close() {
      await Promise.all(providers.map((provider) => provider.close()));
    },
  };
}
