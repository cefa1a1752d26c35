// Which series the lab can be expected to have, for the series check after a bounded load: a
// metric whose code lives in one service can only exist once that service runs in the lab, and a
// few exist only after an event no load can cause. Metrics not on main yet (their code is on a
// service branch) are listed with that branch, so a dashboard or an alert can use them before the
// merge without breaking the "metrics the code exports" test.
//
// At merge: a test fails for each PENDING metric the code now exports ("... is exported now:
// remove it from PENDING_METRICS"); delete those entries and nothing else changes.

/** Metric -> the branch whose code exports it; not on main yet. */
export const PENDING_METRICS: Readonly<Record<string, string>> = {
  notifications_messages_total: 'wt/notifications (services/notifications/src/workers/delivery-metrics.ts)',
  notifications_provider_sends_total:
    'wt/notifications (services/notifications/src/workers/delivery-metrics.ts)',
};

const OUTBOX_SERVICES = ['url-shortener', 'notifications', 'feed'];

/**
 * Metric (a prefix ending in `_`, or a full name) -> the services of which at least one must run
 * for its series to exist. Metrics not listed come from code every lab service runs.
 */
export const SERVICES_NEEDED: Readonly<Record<string, readonly string[]>> = {
  outbox_: OUTBOX_SERVICES,
  kafka_consumergroup_lag: OUTBOX_SERVICES,
  notifications_: ['notifications'],
  feed_: ['feed'],
  // The cache counters of a service using @lab/cache; every lab service with Redis does.
};

/** Series that appear only after an event a bounded load cannot cause, with that event. */
export const EVENT_ONLY: Readonly<Record<string, string>> = {
  outbox_parked_total: 'a relay with the park policy meets a row Kafka refuses for good',
  cache_coalesced_total: 'two concurrent misses of one key in one process (a cold key under concurrency)',
  cache_lock_waits_total: 'two replicas miss one key at once and one waits for the other’s lock',
};

/** Whether the series of `metric` should exist in a lab running `services`. */
export function expectedIn(metric: string, services: readonly string[]): boolean {
  if (metric in PENDING_METRICS || metric in EVENT_ONLY) return false;
  const rule = Object.entries(SERVICES_NEEDED).find(([key]) =>
    key.endsWith('_') ? metric.startsWith(key) : metric === key,
  );
  return !rule || rule[1].some((service) => services.includes(service));
}
