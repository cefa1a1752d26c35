// One url.clicked (v2) message from the front of the click buffer: up to `maxClicks` clicks, and
// never more than MAX_BATCH_BYTES encoded, so a batch of maximal user agents and referrers still
// fits Kafka's default 1 MB message (it is cut short and the rest goes in the next batch).
//
// This runs at send time, off the redirect's path, but it is still the service's CPU per click, so
// it does per click only what a click needs: its keyed visitor hash (memoised within the batch:
// the same visitor clicking twice is hashed once), its date (the previous click's string reused
// within one millisecond) and its traceparent; the contract check, the batch id and the JSON
// encoding are paid once per batch.
import { randomUUID } from 'node:crypto';
import { type ContractMessage, toKafkaMessage, urlClicked } from '@lab/events';
import { formatTraceparent } from '@lab/outbox';
import type { SpanContext } from '@opentelemetry/api';
import { visitorIdOf } from '../domain/click-fields.ts';

/** Largest encoded batch: under Kafka's default message.max.bytes (1,048,588) with room to spare. */
export const MAX_BATCH_BYTES = 900_000;

export type RawClick = {
  code: string;
  at: number;
  address: string;
  userAgent: string | null;
  referrer: string | null;
  /** The redirect's span context, captured by record(): the trace the click continues. */
  spanContext?: SpanContext;
};

/** A batch ready to send; its message (and so its batch id) is reused when the send is retried. */
export type ClickBatch = { message: ContractMessage; clicks: number };

type Click = {
  code: string;
  clickedAt: string;
  visitorId: string;
  referrer: string | null;
  userAgent: string | null;
  traceparent: string | null;
};

// What every click costs in the JSON besides its code, user agent and referrer: the field names,
// a date, a visitor hash, a traceparent and the comma between clicks (the two texts counted apart).
const CLICK_FRAME_BYTES =
  JSON.stringify({
    code: '',
    clickedAt: new Date(0).toISOString(),
    visitorId: '0'.repeat(32),
    referrer: null,
    userAgent: null,
    traceparent: `00-${'0'.repeat(32)}-${'0'.repeat(16)}-00`,
  }).length +
  1 -
  2 * 'null'.length;
// The envelope ({"batchId":...,"clicks":[]}), the headers and Kafka's record framing, generously.
const ENVELOPE_BYTES = 1_024;
// Printable ASCII without `"` and `\`: JSON writes such a string as it is, one byte a character.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** The bytes `text` takes in the JSON value (exact; the common plain-ASCII case without encoding). */
function jsonBytes(text: string | null): number {
  if (text === null) return 4;
  return PLAIN.test(text) ? text.length + 2 : Buffer.byteLength(JSON.stringify(text));
}

/** The clicks the batch takes from the front of `buffer`: at most `maxClicks` and MAX_BATCH_BYTES. */
export function clicksThatFit(buffer: readonly RawClick[], maxClicks: number, maxBytes = MAX_BATCH_BYTES) {
  let bytes = ENVELOPE_BYTES;
  const limit = Math.min(maxClicks, buffer.length);
  for (let i = 0; i < limit; i += 1) {
    const click = buffer[i] as RawClick;
    bytes += CLICK_FRAME_BYTES + click.code.length + jsonBytes(click.userAgent) + jsonBytes(click.referrer);
    if (bytes > maxBytes) return Math.max(i, 1); // one click always fits: its fields are bounded
  }
  return limit;
}

/**
 * The url.clicked message for `clicks` (all of them: callers cut with clicksThatFit). Validated
 * against the contract once for the batch; throws EventContractError if a click breaks it.
 */
export function clickBatch(clicks: readonly RawClick[], visitorKey: string): ClickBatch {
  const visitors = new Map<string, string>();
  let lastAt = Number.NaN;
  let lastDate = '';
  const payload: Click[] = new Array(clicks.length);
  for (let i = 0; i < clicks.length; i += 1) {
    const click = clicks[i] as RawClick;
    const userAgent = click.userAgent ?? '';
    const visitorKeyOf = `${click.address}\n${userAgent}`;
    let visitorId = visitors.get(visitorKeyOf);
    if (visitorId === undefined) {
      visitorId = visitorIdOf(visitorKey, click.address, userAgent);
      visitors.set(visitorKeyOf, visitorId);
    }
    if (click.at !== lastAt) {
      lastAt = click.at;
      lastDate = new Date(click.at).toISOString();
    }
    payload[i] = {
      code: click.code,
      clickedAt: lastDate,
      visitorId,
      referrer: click.referrer,
      userAgent: click.userAgent,
      traceparent: click.spanContext ? formatTraceparent(click.spanContext) : null,
    };
  }
  const batchId = randomUUID();
  return {
    message: toKafkaMessage(urlClicked, { batchId, clicks: payload }, { eventId: batchId }),
    clicks: clicks.length,
  };
}
