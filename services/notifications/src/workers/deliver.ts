// Delivering one job, the heart of the pattern. In order:
//
// 1. Load the message. Not queued any more (sent, delivered, failed...) -> nothing to do: this is
//    a redelivery (offset reset, rebalance, a scheduler item published twice).
// 2. Marketing inside the user's quiet hours -> deferred to the scheduler until they end.
// 3. Marketing over the user's daily cap -> skipped.
// 4. Send through the channel's providers (breakers, failover, provider budgets), with the
//    message id as the provider's idempotency key.
// 5. Success -> status sent (a conditional update). Failure -> retry later through the
//    scheduler, or after the last delay (or a permanent refusal) -> the lane's DLQ, status failed.
//
// Crash windows: between the provider call and step 5's commit, the job is delivered again and
// calls the provider again with the same message id; the provider recognises it, so the user gets
// one message. Between publishing to the DLQ and marking failed, the job comes again, fails again
// and is dead-lettered twice, which a replay absorbs (it only re-queues failed messages).
import type { Logger } from '@lab/service-kit';
import type pg from 'pg';
import { forDelivery, moveStatus, recordAttempt } from '../adapters/messages-repository.ts';
import type { Budgets } from '../adapters/providers/budgets.ts';
import { isPermanent } from '../adapters/providers/errors.ts';
import type { ChannelSender } from '../adapters/providers/failover.ts';
import type { Scheduler } from '../adapters/scheduler.ts';
import type { Channel, Priority } from '../domain/channels.ts';
import type { DeliveryJob } from '../domain/job.ts';
import { quietUntil } from '../domain/quiet-hours.ts';
import { nextStep } from '../domain/retry.ts';
import type { DeliveryMetrics, JobOutcome } from './delivery-metrics.ts';

/** A topic and the workers that drain it; 'shared' is the one-topic-per-channel baseline. */
export type Lane = { channel: Channel; priority: Priority | 'shared'; topic: string };

export type DeliverDeps = {
  pool: pg.Pool;
  senders: Record<Channel, ChannelSender>;
  budgets: Budgets;
  scheduler: Scheduler;
  now: () => Date;
  retryDelaysMs: readonly number[];
  /** Publishes the job to the lane's dead-letter topic. */
  deadLetter: (lane: Lane, job: DeliveryJob, reason: string, traceparent?: string) => Promise<void>;
  metrics: DeliveryMetrics;
  logger: Logger;
};

export type Deliver = (lane: Lane, job: DeliveryJob, traceparent?: string) => Promise<void>;

export function createDeliver(deps: DeliverDeps): Deliver {
  const { pool, metrics } = deps;
  return async (lane, job, traceparent) => {
    const count = (outcome: JobOutcome) =>
      metrics.messages.inc({ channel: lane.channel, priority: lane.priority, outcome });
    const message = await forDelivery(pool, job.messageId);
    if (message?.status !== 'queued') return count('duplicate');
    const value = JSON.stringify(job);
    const item = { topic: lane.topic, key: message.userId, value, ...(traceparent ? { traceparent } : {}) };
    if (message.category === 'marketing') {
      const release = quietUntil(deps.now(), message.quietHours, message.timezone);
      if (release) {
        await deps.scheduler.add(item, release);
        return count('deferred');
      }
      if (job.attempt === 1 && !(await deps.budgets.underUserCap(message.userId, message.channel))) {
        await moveStatus(pool, message.id, 'skipped', { reason: 'user_cap' });
        return count('skipped');
      }
    }
    const outgoing = {
      id: message.id,
      recipient: message.recipient,
      subject: message.subject,
      body: message.body,
    };
    try {
      const provider = await deps.senders[lane.channel].send(
        { ...outgoing, ...(traceparent ? { traceparent } : {}) },
        (name) => deps.budgets.provider(name, lane.priority === 'high' ? 'high' : 'low'),
      );
      metrics.sends.inc({ channel: lane.channel, provider, outcome: 'accepted' });
      await moveStatus(pool, message.id, 'sent', { provider, attempts: job.attempt });
      return count('sent');
    } catch (error) {
      const reason = (error as Error).message.slice(0, 200);
      metrics.sends.inc({
        channel: lane.channel,
        provider: 'all',
        outcome: isPermanent(error) ? 'refused' : 'failed',
      });
      const step = nextStep(job.attempt, deps.retryDelaysMs, isPermanent(error));
      if (step.kind === 'retry') {
        const due = new Date(deps.now().getTime() + step.delayMs);
        await deps.scheduler.add({ ...item, value: JSON.stringify({ ...job, attempt: step.attempt }) }, due);
        await recordAttempt(pool, message.id, job.attempt, reason);
        return count('retried');
      }
      await deps.deadLetter(lane, job, reason, traceparent);
      await moveStatus(pool, message.id, 'failed', { reason, attempts: job.attempt });
      deps.logger.warn({ messageId: message.id, channel: lane.channel, reason }, 'message dead-lettered');
      return count('dead_lettered');
    }
  };
}
