// Which KafkaJS send errors are the broker's final word on the rows, read from the error's type.
// KafkaJS wraps the broker's answer (KafkaJSNumberOfRetriesExceeded around a KafkaJSProtocolError,
// for instance), so the whole cause chain is searched.
//
// - too-large: MESSAGE_TOO_LARGE / RECORD_LIST_TOO_LARGE. No retry makes a record smaller:
//   permanent at once (for a send of one row; a larger send is first retried row by row).
// - rejected: INVALID_RECORD / INVALID_TOPIC_EXCEPTION / CORRUPT_MESSAGE: also permanent at once.
// - unknown-topic: UNKNOWN_TOPIC_OR_PARTITION. NOT permanent by itself: a broker that has just
//   started, or a topic created a moment ago, is briefly unknown to the metadata a producer gets.
//   The relay asks the admin API and counts a topic as missing only after it has stayed absent
//   for a grace period (missing-topics.ts).
// - anything else (broker down, leader moving, timeouts): transient, retried with backoff.

export type BrokerRefusal = 'too-large' | 'rejected' | 'unknown-topic';

const REFUSALS: Record<string, BrokerRefusal> = {
  MESSAGE_TOO_LARGE: 'too-large',
  RECORD_LIST_TOO_LARGE: 'too-large',
  INVALID_RECORD: 'rejected',
  INVALID_TOPIC_EXCEPTION: 'rejected',
  CORRUPT_MESSAGE: 'rejected',
  UNKNOWN_TOPIC_OR_PARTITION: 'unknown-topic',
};

const MAX_DEPTH = 8; // a cause chain is short; a cycle must not loop forever

export function brokerRefusal(error: unknown): BrokerRefusal | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_DEPTH && typeof current === 'object' && current !== null; depth += 1) {
    const { type, cause, originalError } = current as {
      type?: unknown;
      cause?: unknown;
      originalError?: unknown;
    };
    if (typeof type === 'string' && REFUSALS[type]) return REFUSALS[type];
    current = cause ?? originalError;
  }
  return undefined;
}
