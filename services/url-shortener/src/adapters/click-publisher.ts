// url.clicked, best-effort: a redirect adds its click to an in-memory window of per-link sums
// (domain/click-window.ts) and returns; a timer sends the window to Kafka. The redirect never waits
// on Kafka, so a slow or absent broker costs redirects nothing. The price is durability: clicks
// counted when the process dies are lost, and while Kafka is unreachable the window goes on
// counting but holds at most `maxLinks` links and `maxVisitors` visitors — a click beyond those is
// dropped and counted (url_clicks_dropped_total). Analytics tolerate a gap; a redirect that hangs on
// Kafka would be an outage. Link creation is the opposite case: a link must never exist without its
// url.created event, so it goes through the transactional outbox.
//
// The window is sent as url.clicked v3 rollups, not a record per click: v2's per-click record
// (a keyed hash, a date, a traceparent, JSON, contract validation, KafkaJS's CRC) cost the process
// more CPU than the redirect (README, "What a redirect costs"). A window is turned into messages
// when it is sent (click-batch.ts), and those are kept, message and batch id, until Kafka
// acknowledges them: a batch whose send timed out but did land is sent again with the same id (its
// `event-id`), and the aggregator's dedupe counts it once. Until then no new window is sealed: the
// open one absorbs the clicks, which is what keeps memory flat through an outage.
//
// A click served in a trace keeps the redirect's span context (the hot path keeps a reference, no
// string); the traceparent is formatted when the window is sent, and the send stays untraced.
import { counter, gauge, type Registry } from '@lab/service-kit';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Kafka, Producer } from 'kafkajs';
import type { Counter, Gauge } from 'prom-client';
import { ClickWindow, clickClassifier, type RawClick, type WindowLimits } from '../domain/click-window.ts';
import { type ClickBatch, clickBatches } from './click-batch.ts';
import { untraced } from './untraced.ts';

export type { RawClick } from '../domain/click-window.ts';

export type ClickPublisherOptions = WindowLimits & {
  kafka: Kafka;
  topic: string;
  visitorKey: string;
  flushMs: number;
  sendTimeoutMs: number;
  registry: Registry;
  onError?: (error: unknown) => void;
};

export type ClickPublisher = {
  /** O(1), never throws, never waits: the redirect's whole cost of analytics. */
  record(click: RawClick): void;
  start(): Promise<void>;
  /** Sends what is held (each send bounded by the send timeout), then disconnects. */
  stop(): Promise<void>;
  /** Sends unacknowledged batches, or else seals and sends the open window; resolves when done. */
  flush(): Promise<void>;
  /** Clicks not yet acknowledged by Kafka (in the open window, or in batches being sent). */
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
    help: 'Clicks dropped: the click window held its most links or visitors (Kafka unreachable or too slow).',
    labelNames: [],
    collect: () => {
      const dropped = state.dropped();
      droppedTotal.inc(dropped - reportedDrops);
      reportedDrops = dropped;
    },
  });
  const bufferSize: Gauge = gauge(registry, {
    name: 'url_click_buffer_size',
    help: 'Clicks counted but not yet acknowledged by Kafka.',
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
      help: 'Click batches whose send failed or timed out (the batch is kept for the next try).',
      labelNames: [],
    }),
  };
}

export function createClickPublisher(options: ClickPublisherOptions): ClickPublisher {
  const classify = clickClassifier();
  const limits = { maxLinks: options.maxLinks, maxVisitors: options.maxVisitors };
  let open = new ClickWindow(limits, classify);
  // Batches of a sealed window not yet acknowledged, oldest first: resent as they are.
  let unacknowledged: ClickBatch[] = [];
  const buffered = () => open.clicks + unacknowledged.reduce((sum, batch) => sum + batch.clicks, 0);
  // A plain number on the hot path; prom-client reads it at scrape time.
  let dropped = 0;
  const metrics = clickMetrics(options.registry, { dropped: () => dropped, buffered });
  const producer: Producer = options.kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 1 } });
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> | undefined;

  /** The open window as batches, a new window opened; its clicks dropped if it cannot be encoded. */
  const seal = (): ClickBatch[] => {
    const window = open;
    open = new ClickWindow(limits, classify);
    try {
      return clickBatches(window, options.visitorKey);
    } catch (error) {
      // A rollup that breaks the contract (EventContractError) will not become valid by waiting,
      // and keeping it would hold back every later click; nor may a timer's flush reject.
      dropped += window.clicks;
      options.onError?.(error);
      return [];
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

  // One window per flush: the clicks that arrive while its batches are being sent wait for the
  // next tick. Sealing again as soon as a send returned would send windows of a few milliseconds,
  // whose rollups hold a click or two each: the per-link costs would be per click again.
  const drain = async () => {
    if (unacknowledged.length === 0 && open.rollups.size > 0) unacknowledged = seal();
    while (unacknowledged.length > 0) {
      const batch = unacknowledged[0] as ClickBatch;
      try {
        await send(batch);
      } catch (error) {
        // Kept: the batch may still land (KafkaJS finishes its own retry) and is resent with the
        // same id; meanwhile the open window goes on counting within its bounds.
        metrics.failures.inc();
        options.onError?.(error);
        return;
      }
      unacknowledged.shift();
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
      const spanContext = trace.getSpanContext(context.active());
      if (spanContext && isSpanContextValid(spanContext)) click.spanContext = spanContext;
      if (!open.add(click)) dropped += 1;
    },
    async start() {
      await producer.connect();
      timer = setInterval(() => void flush(), options.flushMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      // Twice: batches left from a failed send go first, then the open window.
      await flush().catch(() => {});
      await flush().catch(() => {});
      await producer.disconnect();
    },
    flush,
    get buffered() {
      return buffered();
    },
  };
}
