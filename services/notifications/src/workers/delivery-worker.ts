// One lane's consumer (a `notify.<channel>.<priority>` topic, its own consumer group): jobs are
// delivered `concurrency` at a time, and a window's offsets are committed only after every job in
// it finished (sent, scheduled for retry, deferred or dead-lettered), so a crash redelivers
// unfinished jobs instead of losing them. An infrastructure failure (Postgres or Redis down)
// retries the window after a pause, never skips it; jobs already done in it are skipped on the
// second pass because they are no longer queued.
//
// Each job runs in the trace context of its Kafka message, so the span chain reaches the provider.

import { contextFromHeaders, traceHeaders } from '@lab/outbox';
import type { Logger, Worker } from '@lab/service-kit';
import { context, trace } from '@opentelemetry/api';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import { parseJob } from '../domain/job.ts';
import type { Deliver, Lane } from './deliver.ts';

const tracer = trace.getTracer('notifications');

export type DeliveryWorkerOptions = {
  kafka: Kafka;
  producer: Producer;
  lane: Lane;
  groupId: string;
  concurrency: number;
  deliver: Deliver;
  logger: Logger;
};

function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return headers;
}

export function createDeliveryWorker(options: DeliveryWorkerOptions): Worker {
  const { lane, deliver, logger } = options;
  const consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 500 });
  let stopping = false;

  async function handle(message: KafkaMessage): Promise<void> {
    const headers = headersOf(message);
    const job = parseJob(message.value?.toString() ?? '');
    if (!job) {
      // Not a job at all: it can never succeed, so it goes straight to the lane's DLQ.
      await options.producer.send({
        topic: `${lane.topic}.dlq`,
        messages: [
          { key: message.key, value: message.value, headers: { ...headers, 'dlq-reason': 'invalid job' } },
        ],
      });
      return;
    }
    await context.with(contextFromHeaders(headers), () =>
      tracer.startActiveSpan(`deliver ${lane.topic}`, async (span) => {
        try {
          await deliver(lane, job, traceHeaders().traceparent ?? headers.traceparent);
        } finally {
          span.end();
        }
      }),
    );
  }

  async function untilDone(window: KafkaMessage[]): Promise<boolean> {
    for (let failures = 0; !stopping; failures += 1) {
      try {
        await Promise.all(window.map(handle));
        return true;
      } catch (error) {
        logger.error({ err: error, topic: lane.topic }, 'delivery window failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** failures, 5_000)));
      }
    }
    return false;
  }

  return {
    name: `delivery:${lane.topic}`,
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topic: lane.topic, fromBeginning: true });
      await consumer.run({
        eachBatchAutoResolve: false,
        eachBatch: async ({
          batch,
          resolveOffset,
          heartbeat,
          isRunning,
          isStale,
          commitOffsetsIfNecessary,
        }) => {
          for (let start = 0; start < batch.messages.length; start += options.concurrency) {
            if (stopping || !isRunning() || isStale()) return;
            const window = batch.messages.slice(start, start + options.concurrency);
            if (!(await untilDone(window))) return;
            resolveOffset((window[window.length - 1] as KafkaMessage).offset);
            await commitOffsetsIfNecessary();
            await heartbeat();
          }
        },
      });
    },
    async stop() {
      stopping = true;
      await consumer.disconnect();
    },
  };
}
