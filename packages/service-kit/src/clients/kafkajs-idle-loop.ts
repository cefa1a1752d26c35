// A fix for KafkaJS 2.2.4 (the last release; the project is unmaintained): every broker
// connection's request queue re-arms a timer after each check for pending requests, even when
// nothing is pending and nothing is throttled. Its delay is then `-1 - Date.now()`, which Node
// clamps to 1 ms (and, since Node 24, warns about: TimeoutNegativeWarning), so each connection
// polls an empty queue a thousand times a second for the life of the process
// (tulios/kafkajs#1704, #1556; the fix below is the one proposed in #1667). Measured here: an idle
// URL shortener (no requests, no clicks) used 5.9 % of a core; a benchmark runs eleven servers on
// two cores. A request enqueued later still gets its check: push() schedules one itself.
//
// Applied by createKafkaClient, once per process, to the class every KafkaJS connection uses.
import { createRequire } from 'node:module';

/** The part of a KafkaJS RequestQueue the fix reads and replaces. */
export type RequestQueueState = {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
};

// KafkaJS's own CHECK_PENDING_REQUESTS_INTERVAL: how soon to look again when requests wait.
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
const FIXED = Symbol.for('@lab/service-kit.kafkajs-idle-loop-fixed');

/** KafkaJS's RequestQueue class (not exported by the package; its file is stable within 2.x). */
export function kafkajsRequestQueue(): { prototype: RequestQueueState } {
  const require = createRequire(import.meta.url);
  return require('kafkajs/src/network/requestQueue/index.js');
}

/** Replaces RequestQueue#scheduleCheckPendingRequests with one that does not poll an empty queue. */
export function fixKafkajsIdleLoop(): void {
  const { prototype } = kafkajsRequestQueue();
  if ((prototype as unknown as Record<symbol, boolean>)[FIXED]) return;
  prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueState) {
    if (this.throttleCheckTimeoutId) return;
    let delay = this.throttledUntil - Date.now();
    if (this.pending.length > 0) delay = delay > 0 ? delay : CHECK_PENDING_REQUESTS_INTERVAL_MS;
    // Nothing waiting and no throttle to outlast: nothing to check until push() adds a request.
    else if (delay <= 0) return;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, delay);
  };
  (prototype as unknown as Record<symbol, boolean>)[FIXED] = true;
}
