// Which redirects get a trace: every one whose caller sent a traceparent, the first N each second,
// then a ratio of the rest (src/http/redirect-tracing.ts). Clock and randomness are injected.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { redirectTracer, reservoirThenRatio } from '../src/http/redirect-tracing.ts';

function clock(start: number) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test('the first perSecond calls of each second are sampled, then the ratio decides', () => {
  const time = clock(1_000_000);
  let draw = 0.5;
  const sample = reservoirThenRatio({ perSecond: 3, ratio: 0.25, now: time.now, random: () => draw });
  assert.deepEqual([sample(), sample(), sample()], [true, true, true], 'the reservoir');
  assert.equal(sample(), false, 'reservoir spent; 0.5 is not under the ratio');
  draw = 0.2;
  assert.equal(sample(), true, 'under the ratio');
  draw = 0.9;
  time.advance(999);
  assert.equal(sample(), false, 'still the same second');
  time.advance(1);
  assert.deepEqual(
    [sample(), sample(), sample(), sample()],
    [true, true, true, false],
    'a new second refills it',
  );
});

test('a zero reservoir and zero ratio trace nothing but what a caller asked for', () => {
  const tracer = redirectTracer({ perSecond: 0, ratio: 0 });
  const plain = { method: 'GET', headers: {} } as IncomingMessage;
  assert.equal(tracer(plain), undefined);
  const traced = {
    method: 'GET',
    headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  } as unknown as IncomingMessage;
  const span = tracer(traced);
  assert.ok(span, "a caller's traceparent always gets a span");
  span.end(302);
});
