// Delivery and bounce webhooks to the notifications service, the way a provider sends them: after
// the send was accepted, asynchronously, HMAC-signed with a timestamp, retried with backoff when
// the receiver is down (network error, 5xx, 429), and never retried on another 4xx (a refused
// signature will not get better). Each event has its own id, so the receiver can drop the
// duplicates that retries make.
//
// The queue is bounded (WEBHOOK_QUEUE_LIMIT): past it an event is dropped and counted, so a dead
// receiver cannot grow this process's memory without limit.
import { randomUUID } from 'node:crypto';
import { canonicalJson, counter, type Registry } from '@lab/service-kit';
import { SIGNATURE_HEADER, signatureHeader } from '../domain/webhook-signature.ts';

export type WebhookEvent = {
  id: string;
  type: 'delivered' | 'bounced';
  bounceType?: 'hard';
  messageId: string;
  provider: string;
  channel: string;
  occurredAt: string;
};

export type WebhookSenderOptions = {
  url: string | undefined;
  secret: string;
  concurrency: number;
  queueLimit: number;
  registry: Registry;
  /** Attempts per event before it is given up (default 5), with 200 ms doubling between them. */
  maxAttempts?: number;
};

export type WebhookSender = {
  send(event: Omit<WebhookEvent, 'id' | 'occurredAt'>): void;
  /** Resolves when nothing is queued or in flight (tests and shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
};

const RETRYABLE = (status: number) => status >= 500 || status === 429;

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const { url, secret, concurrency, queueLimit, maxAttempts = 5 } = options;
  const outcomes = counter(options.registry, {
    name: 'provider_sim_webhooks_total',
    help: 'Webhooks by final outcome: sent (2xx), refused (4xx), failed (retries exhausted), dropped (queue full)',
    labelNames: ['outcome'] as const,
  });
  const queue: WebhookEvent[] = [];
  let running = 0;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  async function post(event: WebhookEvent): Promise<'sent' | 'refused' | 'failed'> {
    // Canonical JSON (sorted keys, no spaces) is what is signed and sent: the receiver's framework
    // parses bodies before its handlers run, so it verifies the canonical form of what it parsed.
    const body = canonicalJson(event);
    for (let attempt = 1; attempt <= maxAttempts && !stopped; attempt += 1) {
      try {
        const response = await fetch(url as string, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signatureHeader(secret, body, Math.floor(Date.now() / 1000)),
          },
          body,
          signal: AbortSignal.timeout(5_000),
        });
        await response.body?.cancel();
        if (response.ok) return 'sent';
        if (!RETRYABLE(response.status)) return 'refused';
      } catch {
        // network error or timeout: retried below
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
    }
    return 'failed';
  }

  function pump(): void {
    while (running < concurrency && queue.length > 0) {
      const event = queue.shift() as WebhookEvent;
      running += 1;
      void post(event)
        .then((outcome) => outcomes.inc({ outcome }))
        .finally(() => {
          running -= 1;
          pump();
        });
    }
    if (running === 0 && queue.length === 0) {
      for (const wake of idleWaiters) wake();
      idleWaiters = [];
    }
  }

  return {
    send(partial) {
      if (!url || stopped) return;
      if (queue.length >= queueLimit) {
        outcomes.inc({ outcome: 'dropped' });
        return;
      }
      queue.push({ ...partial, id: randomUUID(), occurredAt: new Date().toISOString() });
      pump();
    },
    idle() {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      stopped = true;
      queue.length = 0;
      pump();
    },
  };
}
