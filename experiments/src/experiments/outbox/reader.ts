// The outbox experiment's reader: consumes the experiment's topics straight from the broker (never
// through the fault proxy) and remembers when each order's first event arrived.

import { uniqueName } from '@lab/testkit';
import type { Kafka } from 'kafkajs';

export type Deliveries = {
  /** When the first event for this order arrived on `topic`, or undefined. */
  arrivedAt(topic: string, variant: string, id: number): number | undefined;
  stop(): Promise<void>;
};

export async function startReader(kafka: Kafka, topics: string[]): Promise<Deliveries> {
  const seen = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: uniqueName('exp-reader') });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const { variant, id } = JSON.parse(String(message.value)) as { variant: string; id: number };
      const key = `${topic}:${variant}:${id}`;
      if (!seen.has(key)) seen.set(key, Date.now());
    },
  });
  await joined;
  return {
    arrivedAt: (topic, variant, id) => seen.get(`${topic}:${variant}:${id}`),
    stop: () => consumer.disconnect(),
  };
}
