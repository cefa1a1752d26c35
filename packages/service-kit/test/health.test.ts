// Readiness logic with fake checks (no dependencies): parallel checks, per-check timeouts,
// single flight while a check hangs, and not-ready while draining.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHealth, TimeoutError, withTimeout } from '../src/index.ts';

describe('createHealth', () => {
  it('is ready when every check passes and lists each check', async () => {
    const health = createHealth();
    health.addCheck({ name: 'postgres', check: async () => 1 });
    health.addCheck({ name: 'redis', check: async () => 'PONG' });
    const report = await health.readiness();
    assert.equal(report.status, 'ready');
    assert.deepEqual(
      report.checks.map((c) => [c.name, c.ok]),
      [
        ['postgres', true],
        ['redis', true],
      ],
    );
  });

  it('is not ready when a check fails or exceeds its timeout', async () => {
    const health = createHealth({ timeoutMs: 1_000 });
    health.addCheck({ name: 'ok', check: async () => {} });
    health.addCheck({
      name: 'down',
      check: async () => {
        throw new Error('ECONNREFUSED');
      },
    });
    health.addCheck({ name: 'hung', timeoutMs: 20, check: () => new Promise(() => {}) });
    const report = await health.readiness();
    assert.equal(report.status, 'not_ready');
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    assert.equal(byName.ok?.ok, true);
    assert.equal(byName.down?.error, 'ECONNREFUSED');
    assert.equal(byName.hung?.error, 'call timed out after 20 ms');
  });

  it('does not start a second call of a check that is still running', async () => {
    const health = createHealth({ timeoutMs: 20 });
    let calls = 0;
    let finish: () => void = () => {};
    health.addCheck({
      name: 'slow',
      check: () => {
        calls += 1;
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
    });
    assert.equal((await health.readiness()).status, 'not_ready');
    assert.equal((await health.readiness()).status, 'not_ready');
    assert.equal(calls, 1);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await health.readiness()).status, 'not_ready'); // a new call, which hangs again
    assert.equal(calls, 2);
  });

  it('is not ready while draining, whatever the checks say', async () => {
    const health = createHealth();
    health.setDraining(true);
    const report = await health.readiness();
    assert.equal(report.status, 'not_ready');
    assert.equal(report.draining, true);
  });
});

describe('withTimeout', () => {
  it('passes a value through and rejects a late promise with TimeoutError', async () => {
    assert.equal(await withTimeout(Promise.resolve(7), 50), 7);
    await assert.rejects(withTimeout(new Promise(() => {}), 10), TimeoutError);
  });
});
