// The KafkaJS idle-loop fix (src/clients/kafkajs-idle-loop.ts), on KafkaJS's own RequestQueue: an
// empty, unthrottled queue arms no timer (the unpatched method arms a 1 ms one, forever); a queue
// with a request waiting, or a throttle to outlast, still gets its check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fixKafkajsIdleLoop,
  kafkajsRequestQueue,
  type RequestQueueState,
} from '../src/clients/kafkajs-idle-loop.ts';

type Queue = RequestQueueState & { destroy(): void };

function queue(): Queue {
  const RequestQueue = kafkajsRequestQueue() as unknown as new (options: object) => Queue;
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  return new RequestQueue({
    instrumentationEmitter: { emit() {} },
    maxInFlightRequests: null,
    requestTimeout: 1_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: { namespace: () => logger },
    isConnected: () => true,
  });
}

test('the unpatched queue polls itself when idle; the fixed one does not, and still checks what waits', () => {
  const idle = queue();
  idle.scheduleCheckPendingRequests();
  const armedBeforeFix = idle.throttleCheckTimeoutId !== null;
  idle.destroy();

  fixKafkajsIdleLoop();
  fixKafkajsIdleLoop(); // once per process, however often clients are created

  // Each test file runs in its own process, so this is KafkaJS's own method: if it stops arming
  // a timer for an empty queue, KafkaJS has fixed the bug and the patch can go.
  assert.equal(armedBeforeFix, true, 'KafkaJS 2.2.4 arms a timer for an empty, unthrottled queue');
  const fixed = queue();
  fixed.scheduleCheckPendingRequests();
  assert.equal(fixed.throttleCheckTimeoutId, null, 'an empty, unthrottled queue arms nothing');

  fixed.pending.push({});
  fixed.scheduleCheckPendingRequests();
  assert.notEqual(fixed.throttleCheckTimeoutId, null, 'a waiting request gets its check');
  fixed.destroy();

  const throttled = queue();
  throttled.throttledUntil = Date.now() + 50;
  throttled.scheduleCheckPendingRequests();
  assert.notEqual(throttled.throttleCheckTimeoutId, null, 'a throttle is outlasted');
  throttled.destroy();
});
