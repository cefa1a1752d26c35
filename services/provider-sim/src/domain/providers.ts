// The simulated providers and how each one behaves. Every channel has a primary and a secondary,
// so the notifications service can fail over; each has its own behaviour (latency, error rate,
// timeouts, full outage) set through the control API, and `decide` turns the behaviour plus one
// random draw into what happens to a request. Pure: the caller supplies the random number.

export const CHANNELS = ['email', 'sms', 'push'] as const;
export type Channel = (typeof CHANNELS)[number];

export const PROVIDERS = [
  'email-primary',
  'email-secondary',
  'sms-primary',
  'sms-secondary',
  'push-primary',
  'push-secondary',
] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export function channelOf(provider: ProviderName): Channel {
  return provider.slice(0, provider.indexOf('-')) as Channel;
}

export function isProvider(name: string): name is ProviderName {
  return (PROVIDERS as readonly string[]).includes(name);
}

export type Behaviour = {
  /** Added before every answer. */
  latencyMs: number;
  /** Share of the requests that did not time out answered with a temporary error (HTTP 503, SMTP 451). */
  errorRate: number;
  /** Share of requests that hang for `timeoutMs` and then fail: the caller's timeout must fire. */
  timeoutRate: number;
  /** How long a "timeout" request hangs before the provider gives up on it. */
  timeoutMs: number;
  /** Every request refused at once (HTTP 503, SMTP 421 on connect). */
  outage: boolean;
  /**
   * Held after the message was accepted and recorded, before the answer: the provider took it but
   * its reply is slow or lost. The window in which a caller can crash between the provider's
   * acceptance and its own commit, which the idempotency key must cover.
   */
  ackDelayMs: number;
};

export const NORMAL_BEHAVIOUR: Readonly<Behaviour> = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  timeoutRate: 0,
  timeoutMs: 30_000,
  outage: false,
  ackDelayMs: 0,
});

export type Outcome = 'accept' | 'error' | 'timeout' | 'outage';

/**
 * Two independent draws in [0, 1): a request times out with probability `timeoutRate`, and one that
 * did not fails with probability `errorRate`. Independent draws let both rates take any value in
 * [0, 1] (no "must sum to at most 1" rule a caller could break).
 */
export function decide(behaviour: Behaviour, timeoutDraw: number, errorDraw: number): Outcome {
  if (behaviour.outage) return 'outage';
  if (timeoutDraw < behaviour.timeoutRate) return 'timeout';
  if (errorDraw < behaviour.errorRate) return 'error';
  return 'accept';
}

/**
 * Which recipients bounce, like SES's mailbox simulator: a fixed, documented rule, so a test can
 * ask for a hard bounce by address. An email or push token starting with `bounce`, or a phone
 * number starting with `+1555000`, bounces hard; everything else is delivered.
 */
export function bounceOf(channel: Channel, recipient: string): 'hard' | undefined {
  const value = recipient.toLowerCase();
  if (channel === 'sms') return value.startsWith('+1555000') ? 'hard' : undefined;
  return value.startsWith('bounce') ? 'hard' : undefined;
}
