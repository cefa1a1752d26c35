// The three breakers the `resilience` suite compares, configured alike: a count window of 20 calls,
// trip at 50 % failures once 10 calls are in, 5 s open, no per-call timeout. opossum's default
// 10 s timeout is switched off because it arms a timer per call and this breaker, by default, has no
// timeout either; comparing with it on would measure opossum's timer, not its breaker.
// Each contender returns a function that runs one call of `operation` through a fresh breaker.
import { CountBreaker, circuitBreaker, handleAll } from 'cockatiel';
import OpossumBreaker from 'opossum';
import { Registry } from 'prom-client';
import { createCircuitBreaker, preciseClock } from '../src/index.ts';

export type Contender = 'lab' | 'opossum' | 'cockatiel';
export const CONTENDERS: readonly Contender[] = ['lab', 'opossum', 'cockatiel'];

export type ClockChoice = 'event-loop' | 'precise';

const noop = async () => 1;

/** A breaker of the given library and a function that runs one call of `operation` through it. */
export function createContender(
  contender: Contender,
  index: number,
  registry: Registry = new Registry(),
  clock: ClockChoice = 'event-loop',
  operation: () => Promise<unknown> = noop,
): { call: () => Promise<unknown>; breaker: unknown } {
  if (contender === 'lab') {
    const breaker = createCircuitBreaker({
      name: `bench-${index}`,
      window: { type: 'count', size: 20 },
      minimumCalls: 10,
      failureRateThreshold: 0.5,
      openDurationMs: 5_000,
      registry,
      ...(clock === 'precise' ? { clock: preciseClock } : {}),
    });
    return { breaker, call: () => breaker.execute(operation) };
  }
  if (contender === 'opossum') {
    const breaker = new OpossumBreaker(operation, {
      timeout: false,
      errorThresholdPercentage: 50,
      volumeThreshold: 10,
      resetTimeout: 5_000,
    });
    return { breaker, call: () => breaker.fire() };
  }
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: 5_000,
    breaker: new CountBreaker({ threshold: 0.5, size: 20, minimumNumberOfCalls: 10 }),
  });
  return { breaker, call: () => breaker.execute(operation) };
}
