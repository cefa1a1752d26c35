// Drains the scheduler: every poll, the items due by the (injectable) clock are published back to
// their topic with their stored trace context, then removed (publish-then-remove: see
// adapters/scheduler.ts for why that order). One loop per process; several replicas may publish
// the same item, which delivery absorbs.

import type { Logger, Worker } from '@lab/service-kit';
import type { Producer } from 'kafkajs';
import type { Scheduler } from '../adapters/scheduler.ts';

const BATCH = 500;

export function createSchedulerWorker(options: {
  scheduler: Scheduler;
  producer: Producer;
  now: () => Date;
  pollMs: number;
  logger: Logger;
}): Worker & { drainOnce(): Promise<number> } {
  const { scheduler, producer } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  async function drainOnce(): Promise<number> {
    let published = 0;
    for (;;) {
      const due = await scheduler.due(options.now(), BATCH);
      if (due.length === 0) return published;
      await producer.sendBatch({
        acks: -1,
        topicMessages: due.map(({ item }) => ({
          topic: item.topic,
          messages: [
            {
              key: item.key,
              value: item.value,
              headers: item.traceparent ? { traceparent: item.traceparent } : {},
            },
          ],
        })),
      });
      await scheduler.remove(due.map((entry) => entry.member));
      published += due.length;
      if (due.length < BATCH) return published;
    }
  }

  function loop(): void {
    if (stopped) return;
    running = drainOnce()
      .catch((error: unknown) => options.logger.warn({ err: error }, 'scheduler drain failed; retrying'))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, options.pollMs);
      });
  }

  return {
    name: 'scheduler',
    drainOnce,
    async start() {
      stopped = false;
      loop();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
