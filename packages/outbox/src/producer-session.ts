// An idempotent KafkaJS producer that is thrown away after a failed send.
//
// Why: KafkaJS rewinds an idempotent producer's sequence numbers when a send fails. If the failed
// request had in fact been written (only the ack was lost), the next request reuses those numbers
// and the broker drops it as a "duplicate": it is reported as sent but never stored. A fresh
// producer (new producer id, sequences from 0) after every failure rules that out. This is also
// what makes limited retries safe here; KafkaJS's own default for idempotence is to retry forever,
// which would block the relay (and its shutdown) for as long as Kafka is down.
import type { Kafka, Producer } from 'kafkajs';

export type ProducerSession = {
  /** The current producer, connected (a new one after reset()). */
  get(): Promise<Producer>;
  /** Drops the current producer; the next get() starts a new producer id. */
  reset(): Promise<void>;
};

export function createProducerSession(
  kafka: Kafka,
  { retries = 2 }: { retries?: number } = {},
): ProducerSession {
  let current: Producer | undefined;
  return {
    async get() {
      if (current) return current;
      const producer = kafka.producer({
        idempotent: true, // acks=all, broker-side dedup of retried requests
        maxInFlightRequests: 1, // a retried request can never overtake the next one
        allowAutoTopicCreation: false,
        retry: { retries, initialRetryTime: 100, maxRetryTime: 1_000 },
      });
      try {
        await producer.connect();
      } catch (error) {
        await producer.disconnect().catch(() => {});
        throw error;
      }
      current = producer;
      return producer;
    },
    async reset() {
      const old = current;
      current = undefined;
      await old?.disconnect().catch(() => {});
    },
  };
}

/** Runs `send` with the session's producer; on failure resets the session and rethrows. */
export async function sendWithSession<T>(
  session: ProducerSession,
  send: (producer: Producer) => Promise<T>,
): Promise<T> {
  const producer = await session.get();
  try {
    return await send(producer);
  } catch (error) {
    await session.reset();
    throw error;
  }
}
