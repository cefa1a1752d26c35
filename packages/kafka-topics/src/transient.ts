// Which Kafka errors mean "not yet" rather than "never" while a topic is being created or awaited.
//
// A broker learns about a topic asynchronously: CreateTopics returns once the controller has
// committed the record, but the broker answering metadata requests applies it moments later. Until
// then it answers UNKNOWN_TOPIC_OR_PARTITION ("does not host this topic-partition"), then
// LEADER_NOT_AVAILABLE while the partition's leader is elected. KafkaJS's own `waitForLeaders`
// retries only the second, so on a freshly started broker topic creation failed now and then.
// Everything else (an invalid partition count, a policy violation, authorization) is final.

/** Protocol error types that clear up on their own while a topic is being created. */
const NOT_YET = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION', // KafkaJS's name for NOT_LEADER_OR_FOLLOWER
  'NOT_CONTROLLER',
  'REQUEST_TIMED_OUT',
]);

/** Connection-level failures while the broker is (re)starting. */
const NOT_YET_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
]);

type ErrorShape = { name?: unknown; type?: unknown; cause?: unknown; errors?: unknown };

/**
 * True when waiting and asking again can succeed. KafkaJS wraps the error its own retrier gave up
 * on (KafkaJSNumberOfRetriesExceeded) and several per-topic errors (KafkaJSAggregateError): those
 * are judged by what they wrap, an aggregate only when every part is transient.
 */
export function isTransient(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { name, type, cause, errors } = error as ErrorShape;
  if (typeof type === 'string' && NOT_YET.has(type)) return true;
  if (typeof name === 'string' && NOT_YET_NAMES.has(name)) return true;
  if (Array.isArray(errors) && errors.length > 0) return errors.every((part) => isTransient(part, depth + 1));
  return cause !== undefined && cause !== error && isTransient(cause, depth + 1);
}

/** One line for a timeout message: the protocol type when there is one, else the message. */
export function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { type, message } = error as { type?: unknown; message?: unknown };
  return typeof type === 'string' ? `${type} (${String(message)})` : String(message ?? error);
}
