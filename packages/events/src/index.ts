// @lab/events: the lab's cross-service event contracts, one versioned schema per event, which
// producers and consumers both validate against. See README.md.
export {
  ALL_EVENTS,
  MAX_CLICKS_PER_BATCH,
  NOTIFICATION_CATEGORIES,
  NOTIFICATION_CHANNELS,
  notificationRequested,
  postCreated,
  postDeleted,
  topicsProducedBy,
  urlClicked,
  urlCreated,
  urlDeleted,
} from './catalog.ts';
export { defineEvent, type EventContract, type PayloadOf, parseEvent } from './contract.ts';
export {
  EVENTS_ERROR_CODES,
  EventContractError,
  type EventsErrorCode,
  isEventContractError,
} from './errors.ts';
export { jsonSchemaOf } from './json-schema.ts';
export {
  type ContractMessage,
  type ContractOutboxEvent,
  decodeEvent,
  toKafkaMessage,
  toOutboxEvent,
} from './messages.ts';
