// lab:fault's argument parsing: every valid form, and a clear usage error for everything else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultUsageError, MAX_LATENCY_MS, parseFaultArgs } from '../src/fault.ts';

describe('lab:fault arguments', () => {
  it('accepts cut, restore and latency MS for each proxied dependency', () => {
    for (const target of ['postgres', 'redis', 'kafka'] as const) {
      assert.deepEqual(parseFaultArgs([target, 'cut']), { target, action: { kind: 'cut' } });
      assert.deepEqual(parseFaultArgs([target, 'restore']), { target, action: { kind: 'restore' } });
      assert.deepEqual(parseFaultArgs([target, 'latency', '250']), {
        target,
        action: { kind: 'latency', ms: 250 },
      });
    }
    assert.deepEqual(parseFaultArgs(['redis', 'latency', String(MAX_LATENCY_MS)]).action, {
      kind: 'latency',
      ms: MAX_LATENCY_MS,
    });
  });

  it('refuses anything else with the usage line', () => {
    const cases: [string[], RegExp][] = [
      [[], /unknown dependency: \(none\)/],
      [['mysql', 'cut'], /unknown dependency: mysql/],
      [['toString', 'cut'], /unknown dependency: toString/],
      [['redis'], /unknown action: \(none\)/],
      [['redis', 'drop'], /unknown action: drop/],
      [['redis', 'cut', '5'], /cut takes no amount/],
      [['redis', 'restore', 'now'], /restore takes no amount/],
      [['redis', 'latency'], /whole number of milliseconds/],
      [['redis', 'latency', '1.5'], /whole number of milliseconds/],
      [['redis', 'latency', '-5'], /whole number of milliseconds/],
      [['redis', 'latency', '0'], /between 1 and 60000/],
      [['redis', 'latency', String(MAX_LATENCY_MS + 1)], /between 1 and 60000/],
      [['redis', 'latency', '10', 'extra'], /unexpected arguments: extra/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(
        () => parseFaultArgs(argv),
        (error: Error) =>
          error instanceof FaultUsageError && message.test(error.message) && /usage:/.test(error.message),
        argv.join(' '),
      );
    }
  });
});
