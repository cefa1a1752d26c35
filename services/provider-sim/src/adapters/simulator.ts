// The simulated providers' shared core, used by the SMTP sinks and the HTTP endpoints alike: look
// up the provider's behaviour, draw its outcome, wait its latency, then record the message
// (deduplicated by idempotency key) and queue its delivery or bounce webhook. One instance holds
// every provider's settings and recordings, which is why provider-sim runs as one process.
import { counter, type Registry } from '@lab/service-kit';
import {
  type Behaviour,
  bounceOf,
  channelOf,
  decide,
  NORMAL_BEHAVIOUR,
  type Outcome,
  PROVIDERS,
  type ProviderName,
} from '../domain/providers.ts';
import { type Received, Recordings } from '../domain/recordings.ts';
import type { WebhookSender } from './webhook-sender.ts';

export type Incoming = {
  messageId: string;
  to: string;
  subject?: string;
  body: string;
  traceparent?: string;
};

export type ReceiveResult =
  | { outcome: Exclude<Outcome, 'accept'> }
  | { outcome: 'accept'; duplicate: boolean; record: Received };

export type Simulator = ReturnType<typeof createSimulator>;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

export function createSimulator(options: {
  maxRecords: number;
  webhooks: WebhookSender;
  registry: Registry;
  random?: () => number;
}) {
  const { webhooks, random = Math.random } = options;
  const recordings = new Recordings(options.maxRecords);
  const behaviours = new Map<ProviderName, Behaviour>(PROVIDERS.map((p) => [p, { ...NORMAL_BEHAVIOUR }]));
  const requests = counter(options.registry, {
    name: 'provider_sim_requests_total',
    help: 'Send requests by provider and outcome (accept, duplicate, error, timeout, outage)',
    labelNames: ['provider', 'outcome'] as const,
  });

  async function receive(
    provider: ProviderName,
    message: Incoming,
    signal?: AbortSignal,
  ): Promise<ReceiveResult> {
    const behaviour = behaviours.get(provider) as Behaviour;
    const outcome = decide(behaviour, random(), random());
    if (outcome !== 'outage') await sleep(behaviour.latencyMs, signal);
    if (outcome === 'timeout') await sleep(behaviour.timeoutMs, signal);
    if (outcome !== 'accept') {
      requests.inc({ provider, outcome });
      return { outcome };
    }
    const channel = channelOf(provider);
    const accepted = recordings.accept({ ...message, provider, channel });
    requests.inc({ provider, outcome: accepted.duplicate ? 'duplicate' : 'accept' });
    if (!accepted.duplicate) {
      const bounce = bounceOf(channel, message.to);
      webhooks.send({
        type: bounce ? 'bounced' : 'delivered',
        ...(bounce ? { bounceType: bounce } : {}),
        messageId: message.messageId,
        provider,
        channel,
      });
    }
    await sleep(behaviour.ackDelayMs, signal);
    return { outcome: 'accept', ...accepted };
  }

  return {
    receive,
    recordings,
    behaviour: (provider: ProviderName): Behaviour => ({ ...(behaviours.get(provider) as Behaviour) }),
    setBehaviour(provider: ProviderName, change: Partial<Behaviour>): Behaviour {
      const next = { ...(behaviours.get(provider) as Behaviour), ...change };
      behaviours.set(provider, next);
      return { ...next };
    },
    reset(): void {
      for (const provider of PROVIDERS) behaviours.set(provider, { ...NORMAL_BEHAVIOUR });
      recordings.clear();
    },
  };
}
