// url.clicked, best-effort: a redirect puts its click in an in-memory buffer and returns; a timer
// sends the buffer to Kafka in batches. The redirect never waits on Kafka, so a slow or absent
// broker costs redirects nothing. The price is durability: clicks buffered when the process dies
// are lost, and while Kafka is unreachable the buffer holds at most `maxBuffered` clicks — the
// newest beyond that are dropped and counted (url_clicks_dropped_total). Analytics tolerate a gap;
// a redirect that hangs on Kafka would be an outage. Link creation is the opposite case: a link
// must never exist without its url.created event, so it goes through the transactional outbox.
//
// A batch is one Kafka message (url.clicked v2): a record per click cost the process ~10 µs of
// KafkaJS encoding per click. A batch is built from the front of the buffer when it is first sent
// (click-batch.ts: at most `batchSize` clicks and ~900 KB) and kept, message and batch id, until
// Kafka acknowledges it: a batch whose send timed out but did land is sent again with the same id
// (its `event-id`), and the aggregator's dedupe counts it once.
//
// Each click carries the `traceparent` of the redirect that produced it, so the aggregator
// announces a milestone in the trace of the redirect that crossed it. The hot path only keeps a
// reference to the active span context (no span, no string); the traceparent is formatted when
// the batch is built, and the send stays untraced (no producer spans).
import { counter, gauge, type Registry } from '@lab/service-kit';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Kafka, Producer } from 'kafkajs';
import type { Counter, Gauge } from 'prom-client';
import { type ClickBatch, clickBatch, clicksThatFit, type RawClick } from './click-batch.ts';
import { untraced } from './untraced.ts';

export type { RawClick } from './click-batch.ts';

export type ClickPublisherOptions = {
  kafka: Kafka;
  topic: string;
  visitorKey: string;
  flushMs: number;
  /** Most clicks in one message (url.clicked allows 1,000). */
  batchSize: number;
  maxBuffered: number;
  sendTimeoutMs: number;
  registry: Registry;
  onError?: (error: unknown) => void;
};

export type ClickPublisher = {
  /** O(1), never throws, never waits: the redirect's whole cost of analytics. */
  record(click: RawClick): void;
  start(): Promise<void>;
  /** Sends what is buffered (bounded by the send timeout), then disconnects. */
  stop(): Promise<void>;
  /** Sends now (tests); resolves when the send in flight ends. */
  flush(): Promise<void>;
  /** Clicks not yet acknowledged by Kafka (buffered, or in the batch being sent). */
  readonly buffered: number;
};

/** Rejects after `ms` unless `work` settled first (the work itself goes on). */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let deadline: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        deadline = setTimeout(() => reject(new Error(`click send timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(deadline);
  }
}

/** The publisher's metrics; drops and the buffer size are read at scrape time. */
function clickMetrics(registry: Registry, state: { dropped: () => number; buffered: () => number }) {
  let reportedDrops = 0;
  const droppedTotal: Counter = counter(registry, {
    name: 'url_clicks_dropped_total',
    help: 'Clicks dropped because the buffer was full (Kafka unreachable or too slow).',
    labelNames: [],
    collect: () => {
      const dropped = state.dropped();
      droppedTotal.inc(dropped - reportedDrops);
      reportedDrops = dropped;
    },
  });
  const bufferSize: Gauge = gauge(registry, {
    name: 'url_click_buffer_size',
    help: 'Clicks waiting to be sent to Kafka.',
    labelNames: [],
    collect: () => {
      bufferSize.set(state.buffered());
    },
  });
  return {
    published: counter(registry, {
      name: 'url_clicks_published_total',
      help: 'Clicks acknowledged by Kafka.',
      labelNames: [],
    }),
    failures: counter(registry, {
      name: 'url_click_send_failures_total',
      help: 'Click batches whose send failed or timed out (the clicks are kept for the next try).',
      labelNames: [],
    }),
  };
}

export function createClickPublisher(options: ClickPublisherOptions): ClickPublisher {
  const { flushMs, batchSize, maxBuffered } = options;
  let buffer: RawClick[] = [];
  // The batch being sent, or whose send failed: resent as it is before anything newer.
  let unacknowledged: ClickBatch | undefined;
  const buffered = () => buffer.length + (unacknowledged?.clicks ?? 0);
  // A plain number on the hot path; prom-client reads it at scrape time.
  let dropped = 0;
  const metrics = clickMetrics(options.registry, { dropped: () => dropped, buffered });
  const producer: Producer = options.kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 1 } });
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> | undefined;

  /** The next batch to send, or undefined when it cannot be built (its clicks dropped, reported). */
  const nextBatch = (): ClickBatch | undefined => {
    const clicks = buffer.slice(0, clicksThatFit(buffer, batchSize));
    buffer = buffer.slice(clicks.length);
    try {
      return clickBatch(clicks, options.visitorKey);
    } catch (error) {
      // A click that breaks the contract (EventContractError) will not become valid by waiting,
      // and keeping it would hold back every later click; nor may a timer's flush reject.
      dropped += clicks.length;
      options.onError?.(error);
      return undefined;
    }
  };

  const send = (batch: ClickBatch) =>
    withDeadline(
      untraced(() =>
        producer.send({
          topic: options.topic,
          messages: [batch.message],
          acks: 1,
          timeout: options.sendTimeoutMs,
        }),
      ),
      options.sendTimeoutMs,
    );

  const drain = async () => {
    while (unacknowledged || buffer.length > 0) {
      unacknowledged ??= nextBatch();
      const batch = unacknowledged;
      if (!batch) continue;
      try {
        await send(batch);
      } catch (error) {
        metrics.failures.inc();
        options.onError?.(error);
        // Drop from the tail: the newest clicks were never sent, whereas the batch that timed
        // out may still land (KafkaJS finishes its own retry) and is resent with the same id.
        const excess = Math.min(buffered() - maxBuffered, buffer.length);
        if (excess > 0) {
          dropped += excess;
          buffer.length -= excess;
        }
        return;
      }
      unacknowledged = undefined;
      metrics.published.inc(batch.clicks);
    }
  };

  const flush = (): Promise<void> => {
    sending ??= drain().finally(() => {
      sending = undefined;
    });
    return sending;
  };

  return {
    record(click) {
      if (buffer.length + (unacknowledged?.clicks ?? 0) >= maxBuffered) {
        dropped += 1;
        return;
      }
      const spanContext = trace.getSpanContext(context.active());
      if (spanContext && isSpanContextValid(spanContext)) click.spanContext = spanContext;
      buffer.push(click);
    },
    async start() {
      await producer.connect();
      timer = setInterval(() => void flush(), flushMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await flush().catch(() => {});
      await producer.disconnect();
    },
    flush,
    get buffered() {
      return buffered();
    },
  };
}
