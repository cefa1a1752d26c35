// @lab/events: the lab's cross-service event contracts, one versioned schema per event, which
// producers and consumers both validate against. See README.md.
export {
  ALL_EVENTS,
  MAX_REFERRER_HOSTS_PER_ROLLUP,
  MAX_ROLLUPS_PER_BATCH,
  MAX_TRACED_PER_ROLLUP,
  MAX_VISITORS_PER_BATCH,
  NOTIFICATION_CATEGORIES,
  NOTIFICATION_CHANNELS,
  notificationRequested,
  postCreated,
  postDeleted,
  topicsProducedBy,
  USER_AGENT_FAMILIES,
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
