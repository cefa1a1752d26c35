import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import {
  contextFromHeaders,
  formatTraceparent,
  parseTraceparent,
  traceHeaders,
} from '../src/trace-context.ts';

const spanContext = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
};

// No propagator is registered in this file: the package's own W3C fallback must carry the trace.
test('traceHeaders writes a W3C traceparent for the active span context even without a propagator', () => {
  const headers = traceHeaders(trace.setSpanContext(ROOT_CONTEXT, spanContext));
  assert.equal(headers.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  assert.deepEqual(traceHeaders(ROOT_CONTEXT), {}, 'no span, no header');
});

test('contextFromHeaders restores the span context from traceparent', () => {
  const restored = trace.getSpanContext(contextFromHeaders({ traceparent: formatTraceparent(spanContext) }));
  assert.equal(restored?.traceId, spanContext.traceId);
  assert.equal(restored?.spanId, spanContext.spanId);
  assert.equal(restored?.isRemote, true);
  assert.equal(trace.getSpanContext(contextFromHeaders({})), undefined);
});

test('parseTraceparent rejects malformed and invalid values', () => {
  for (const bad of [
    undefined,
    '',
    'garbage',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7', // no flags
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', // forbidden version
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01', // all-zero trace id
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', // all-zero span id
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', // upper case
  ]) {
    assert.equal(parseTraceparent(bad), undefined, String(bad));
  }
  assert.equal(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.traceFlags, 0);
});
