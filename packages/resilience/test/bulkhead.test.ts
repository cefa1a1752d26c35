// Bulkhead: concurrency cap, bounded FIFO queue, typed rejection when full, queue timeout, abort.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCollected } from '@lab/metrics/testing';
import { Registry } from 'prom-client';
import { type BulkheadOptions, BulkheadRejectedError, createBulkhead } from '../src/index.ts';
import { type Deferred, deferred, flush } from './helpers.ts';

function setup(options: Partial<BulkheadOptions> = {}) {
  const registry = new Registry();
  const bulkhead = createBulkhead({ name: 'test', maxConcurrent: 2, maxQueue: 2, registry, ...options });
  let running = 0;
  let maxRunning = 0;
  const started: number[] = [];
  const gates: Deferred<void>[] = [];
  /** A call that records when it starts and waits for its own gate. */
  const call = (id: number, signal?: AbortSignal) => {
    const gate = deferred<void>();
    gates[id] = gate;
    return bulkhead.execute(
      async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        started.push(id);
        await gate.promise;
        running -= 1;
        return id;
      },
      { signal },
    );
  };
  return { bulkhead, registry, call, gates, started, stats: () => ({ running, maxRunning }) };
}

describe('bulkhead', () => {
  it('runs at most maxConcurrent, queues up to maxQueue and rejects the rest at once', async () => {
    const s = setup({ maxConcurrent: 2, maxQueue: 2 });
    const calls = [0, 1, 2, 3].map((id) => s.call(id));
    const overflow = s.call(4);
    await assert.rejects(
      overflow,
      (error) => error instanceof BulkheadRejectedError && error.code === 'BULKHEAD_FULL',
    );
    await flush();
    assert.deepEqual(s.started, [0, 1]);
    assert.deepEqual(
      { active: s.bulkhead.snapshot().active, queued: s.bulkhead.snapshot().queued },
      { active: 2, queued: 2 },
    );
    s.gates[0]?.resolve();
    await flush();
    assert.deepEqual(s.started, [0, 1, 2]); // FIFO: the first waiter got the freed slot
    for (const id of [1, 2, 3]) s.gates[id]?.resolve();
    assert.deepEqual(await Promise.all(calls), [0, 1, 2, 3]);
    assert.equal(s.stats().maxRunning, 2);
    assert.deepEqual(
      { active: s.bulkhead.snapshot().active, queued: s.bulkhead.snapshot().queued },
      { active: 0, queued: 0 },
    );
  });

  it('never exceeds the cap under a burst of many calls', async () => {
    const s = setup({ maxConcurrent: 3, maxQueue: 100 });
    const calls = Array.from({ length: 50 }, (_, id) => s.call(id));
    for (let id = 0; id < 50; id += 1) {
      await flush();
      s.gates[id]?.resolve();
    }
    await Promise.all(calls);
    assert.equal(s.stats().maxRunning, 3);
  });

  it('with maxQueue 0 rejects as soon as every slot is busy', async () => {
    const s = setup({ maxConcurrent: 1, maxQueue: 0 });
    const first = s.call(0);
    await assert.rejects(s.call(1), BulkheadRejectedError);
    s.gates[0]?.resolve();
    await first;
  });

  it('rejects a queued call that waits longer than queueTimeoutMs', async () => {
    const s = setup({ maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 10 });
    const first = s.call(0);
    await assert.rejects(s.call(1), /waited too long/);
    s.gates[0]?.resolve();
    await first;
    assert.equal(s.bulkhead.snapshot().rejected, 1);
  });

  it('removes a queued call whose caller aborts, and skips it when a slot frees', async () => {
    const s = setup({ maxConcurrent: 1, maxQueue: 2 });
    const controller = new AbortController();
    const first = s.call(0);
    const abandoned = s.call(1, controller.signal);
    const third = s.call(2);
    controller.abort(new Error('caller left'));
    await assert.rejects(abandoned, /caller left/);
    assert.equal(s.bulkhead.snapshot().queued, 1);
    s.gates[0]?.resolve();
    await first;
    await flush();
    assert.deepEqual(s.started, [0, 2]);
    s.gates[2]?.resolve();
    await third;
  });

  it('frees the slot when the call throws', async () => {
    const s = setup({ maxConcurrent: 1, maxQueue: 0 });
    await assert.rejects(
      s.bulkhead.execute(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await s.bulkhead.execute(async () => 'next'), 'next');
  });

  it('exports active, queued and rejections at scrape time', async () => {
    const s = setup({ maxConcurrent: 1, maxQueue: 1 });
    const first = s.call(0);
    const second = s.call(1);
    await assert.rejects(s.call(2), BulkheadRejectedError);
    const text = await s.registry.metrics();
    assert.match(text, /bulkhead_active\{name="test"\} 1/);
    assert.match(text, /bulkhead_queued\{name="test"\} 1/);
    assert.match(text, /bulkhead_rejections_total\{name="test"\} 1/);
    s.gates[0]?.resolve();
    await first;
    await flush();
    s.gates[1]?.resolve();
    await second;
  });

  it('does not keep a dropped bulkhead alive through its metrics', async () => {
    const registry = new Registry();
    let ref: WeakRef<object> | undefined;
    await (async () => {
      const bulkhead = createBulkhead({ name: 'dropped', maxConcurrent: 1, maxQueue: 0, registry });
      const gate = deferred<void>();
      const running = bulkhead.execute(() => gate.promise);
      await assert.rejects(
        bulkhead.execute(async () => {}),
        BulkheadRejectedError,
      );
      assert.match(await registry.metrics(), /bulkhead_active\{name="dropped"\} 1/);
      gate.resolve();
      await running;
      ref = new WeakRef(bulkhead);
    })();
    assert.ok(ref && (await isCollected(ref)), 'the dropped bulkhead was collected');
    assert.match(await registry.metrics(), /bulkhead_rejections_total\{name="dropped"\} 1/);
  });

  it('rejects impossible sizes', () => {
    assert.throws(
      () => createBulkhead({ name: 'x', maxConcurrent: 0, registry: new Registry() }),
      RangeError,
    );
    assert.throws(() => createBulkhead({ name: 'x', maxQueue: -1, registry: new Registry() }), RangeError);
    for (const queueTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => createBulkhead({ name: 'x', queueTimeoutMs, registry: new Registry() }),
        RangeError,
        `queueTimeoutMs ${queueTimeoutMs}`,
      );
    }
    assert.throws(() => createBulkhead({ name: '', registry: new Registry() }), /name is required/);
  });
});
