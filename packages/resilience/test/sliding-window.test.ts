// The breaker's sliding windows on their own: count-window eviction and time-window bucket expiry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CountWindow, TimeWindow } from '../src/sliding-window.ts';

describe('count window', () => {
  it('keeps the last N outcomes, evicting the oldest', () => {
    const window = new CountWindow(3);
    window.record(true, false, 0);
    window.record(false, true, 0);
    window.record(false, false, 0);
    assert.deepEqual([window.calls, window.failures, window.slowCalls], [3, 1, 1]);
    window.record(false, false, 0); // evicts the failure
    assert.deepEqual([window.calls, window.failures, window.slowCalls], [3, 0, 1]);
    window.record(false, false, 0); // evicts the slow call
    assert.deepEqual([window.calls, window.failures, window.slowCalls], [3, 0, 0]);
  });

  it('rejects a size below 1', () => {
    assert.throws(() => new CountWindow(0), RangeError);
  });
});

describe('time window', () => {
  it('drops whole buckets as they age out', () => {
    const window = new TimeWindow(1, 4); // 250 ms buckets
    window.record(true, false, 0);
    window.record(false, true, 260);
    window.record(false, false, 510);
    assert.deepEqual([window.calls, window.failures, window.slowCalls], [3, 1, 1]);
    window.refresh(1_000); // bucket [0, 250) has aged out
    assert.deepEqual([window.calls, window.failures, window.slowCalls], [2, 0, 1]);
    window.refresh(1_250); // so has [250, 500)
    assert.deepEqual([window.calls, window.failures, window.slowCalls], [1, 0, 0]);
  });

  it('empties after a gap longer than the window', () => {
    const window = new TimeWindow(1, 10);
    for (let t = 0; t < 1_000; t += 50) window.record(true, true, t);
    assert.equal(window.calls, 20);
    window.refresh(5_000);
    assert.deepEqual([window.calls, window.failures, window.slowCalls], [0, 0, 0]);
    window.record(false, false, 5_001);
    assert.equal(window.calls, 1);
  });
});
