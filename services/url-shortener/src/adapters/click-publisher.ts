// url.clicked, best-effort: a redirect puts its click in an in-memory buffer and returns; a timer
// sends the buffer to Kafka in batches. The redirect never waits on Kafka, so a slow or absent
// broker costs redirects nothing. The price is durability: clicks buffered when the process dies
// are lost, and while Kafka is unreachable the buffer holds at most `maxBuffered` clicks — the
// newest beyond that are dropped and counted (url_clicks_dropped_total). Analytics tolerate a gap;
// a redirect that hangs on Kafka would be an outage. Link creation is the opposite case: a link
// must never exist without its url.created event, so it goes through the transactional outbox.
//
// Each click carries a random clickId, also its Kafka `event-id`: a batch whose send timed out
// but did land is sent again and the aggregator's dedupe (by event id) counts it once.
//
// Each click also carries the `traceparent` of the redirect that produced it, so the aggregator's
// handler runs in that trace and a milestone's notification continues it to the provider. The
// hot path only keeps a reference to the active span context (no span, no string); the header is
// formatted when the batch is sent, which stays untraced (no per-click producer spans).
import { randomUUID } from 'node:crypto';
import { toKafkaMessage, urlClicked } from '@lab/events';
import { formatTraceparent } from '@lab/outbox';
import { counter, gauge, type Registry } from '@lab/service-kit';
import { context, isSpanContextValid, type SpanContext, trace } from '@opentelemetry/api';
import type { Kafka, Producer } from 'kafkajs';
import type { Counter, Gauge } from 'prom-client';
import { visitorIdOf } from '../domain/click-fields.ts';
import { untraced } from './untraced.ts';

export type RawClick = {
  code: string;
  at: number;
  address: string;
  userAgent: string | null;
  referrer: string | null;
  /** Set on the first send attempt and kept: a resent click keeps its id, so it is deduplicated. */
  clickId?: string;
  /** The redirect's span context, captured by record(): the trace the click continues. */
  spanContext?: SpanContext;
};

export type ClickPublisherOptions = {
  kafka: Kafka;
  topic: string;
  visitorKey: string;
  flushMs: number;
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
  readonly buffered: number;
};

/** The click as its Kafka message; its event-id is the clickId, fixed at the first attempt. */
function clickMessage(click: RawClick, visitorKey: string) {
  click.clickId ??= randomUUID();
  const clickId = click.clickId;
  return toKafkaMessage(
    urlClicked,
    {
      clickId,
      code: click.code,
      clickedAt: new Date(click.at).toISOString(),
      visitorId: visitorIdOf(visitorKey, click.address, click.userAgent ?? ''),
      referrer: click.referrer,
      userAgent: click.userAgent,
    },
    click.spanContext
      ? { eventId: clickId, headers: { traceparent: formatTraceparent(click.spanContext) } }
      : { eventId: clickId },
  );
}

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
  // A plain number on the hot path; prom-client reads it at scrape time.
  let dropped = 0;
  const metrics = clickMetrics(options.registry, { dropped: () => dropped, buffered: () => buffer.length });
  const producer: Producer = options.kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 1 } });
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> | undefined;

  const sendBatch = async (batch: RawClick[]) => {
    const messages = batch.map((click) => clickMessage(click, options.visitorKey));
    const send = untraced(() =>
      producer.send({ topic: options.topic, messages, acks: 1, timeout: options.sendTimeoutMs }),
    );
    await withDeadline(send, options.sendTimeoutMs);
    metrics.published.inc(batch.length);
  };

  const drain = async () => {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, batchSize);
      buffer = buffer.slice(batch.length);
      try {
        await sendBatch(batch);
      } catch (error) {
        metrics.failures.inc();
        options.onError?.(error);
        // Put the batch back in front and drop from the tail: the newest clicks were never sent,
        // whereas a batch that timed out may still land (KafkaJS finishes its own retry) and must
        // be resent with the same ids, or the drop count would include clicks that arrived.
        buffer = batch.concat(buffer);
        if (buffer.length > maxBuffered) {
          dropped += buffer.length - maxBuffered;
          buffer.length = maxBuffered;
        }
        return;
      }
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
      if (buffer.length >= maxBuffered) {
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
      return buffer.length;
    },
  };
}
