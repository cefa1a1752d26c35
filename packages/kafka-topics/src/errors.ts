// The error catalogue of @lab/kafka-topics: the two failures this package reports on its own behalf,
// each a KafkaTopicsError whose `code` is one of KAFKA_TOPICS_ERROR_CODES. A final error from Kafka
// itself (an invalid replication factor, a policy violation) is rethrown as KafkaJS raised it.
//
// Callers branch on the code through the guards, not on `instanceof`: a code still matches when two
// copies of the package are loaded, or when the error arrives as a plain object.

/** Every code this package throws, with what it means. */
export const KAFKA_TOPICS_ERROR_CODES = {
  TOPICS_NOT_READY:
    'the topics were not created or usable before timeoutMs; the message names the last reason',
  TOPICS_INVALID_SPEC: 'the call itself is wrong (a topic listed twice); nothing was sent to Kafka',
} as const;
export type KafkaTopicsErrorCode = keyof typeof KAFKA_TOPICS_ERROR_CODES;

/** The catalogue code of an Error-like value (an object with a string message), else undefined. */
function topicsCodeOf(error: unknown): KafkaTopicsErrorCode | undefined {
  const { message, code } = (
    typeof error === 'object' && error !== null ? error : {}
  ) as Partial<KafkaTopicsError>;
  return typeof message === 'string' &&
    typeof code === 'string' &&
    Object.hasOwn(KAFKA_TOPICS_ERROR_CODES, code)
    ? code
    : undefined;
}

/** Any error of this package (a code from KAFKA_TOPICS_ERROR_CODES). */
export const isKafkaTopicsError = (error: unknown): error is KafkaTopicsError =>
  topicsCodeOf(error) !== undefined;
/** The wait ran out before the topics were usable (TOPICS_NOT_READY). */
export const isTopicsNotReady = (error: unknown): error is TopicsNotReadyError =>
  topicsCodeOf(error) === 'TOPICS_NOT_READY';

export class KafkaTopicsError extends Error {
  readonly code: KafkaTopicsErrorCode;
  constructor(code: KafkaTopicsErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Thrown when the deadline passes; `cause` is the last transient error, if the last attempt threw. */
export class TopicsNotReadyError extends KafkaTopicsError {
  constructor(message: string, options?: ErrorOptions) {
    super('TOPICS_NOT_READY', message, options);
  }
}
