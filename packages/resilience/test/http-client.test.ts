// The resilient HTTP client against a real local node:http server that fails a set share of
// requests: retries recover, the budget caps them, the breaker opens when the host fails hard.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Registry } from 'prom-client';
import { CircuitOpenError, createHttpClient, type HttpClientOptions, HttpStatusError } from '../src/index.ts';
import { reply, startServer, type TestServer } from './http-server.ts';

const noSleep = { sleep: async () => {} };

function client(options: HttpClientOptions = {}) {
  const registry = new Registry();
  return { registry, http: createHttpClient({ name: 'test', registry, timeoutMs: 2_000, ...options }) };
}

describe('http client against a server that fails every 10th request', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer((_, response, index) =>
      index % 10 === 9 ? reply(response, 503) : reply(response, 200, 'ok'),
    );
  });
  after(() => server.close());

  it('recovers every request by retrying, within the budget', async () => {
    const { http, registry } = client({ retry: { ...noSleep } });
    for (let i = 0; i < 100; i += 1) {
      const response = await http.request(`${server.url}/v1/items/${i}`);
      assert.equal(await response.text(), 'ok');
    }
    const text = await registry.metrics();
    const host = new URL(server.url).host;
    assert.match(
      text,
      new RegExp(
        `http_client_requests_total\\{client="test",host="${host}",method="GET",status="2xx"\\} 100`,
      ),
    );
    assert.match(
      text,
      new RegExp(`http_client_requests_total\\{client="test",host="${host}",method="GET",status="5xx"\\} 11`),
    );
    assert.match(text, /retry_decisions_total\{name="test:127\.0\.0\.1:\d+",decision="retried"\} 11/);
    assert.match(
      text,
      new RegExp(
        `http_client_request_duration_seconds_count\\{client="test",host="${host}",method="GET"\\} 111`,
      ),
    );
    assert.equal(http.breaker(host)?.state, 'closed');
  });
});

describe('http client against a server that fails half of its requests', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer((_, response, index) =>
      index % 2 === 1 ? reply(response, 500) : reply(response, 200, 'ok'),
    );
  });
  after(() => server.close());

  it('spends at most 20% extra attempts (plus the floor) on retries', async () => {
    const { http } = client({
      retry: { ...noSleep, maxAttempts: 5 },
      retryBudget: { ratio: 0.2, minRetriesPerWindow: 3 },
      breaker: { failureRateThreshold: 1, minimumCalls: 50, window: { type: 'count', size: 50 } },
    });
    let failed = 0;
    for (let i = 0; i < 100; i += 1) {
      await http.request(`${server.url}/x`).then(
        (response) => response.body?.cancel(),
        () => {
          failed += 1;
        },
      );
    }
    const extra = server.requests.length - 100;
    assert.ok(extra <= 20 + 3, `extra attempts ${extra}`);
    assert.ok(failed > 0, 'the budget, not luck, decided');
    const [upstream] = http.snapshot();
    assert.equal(upstream?.retryBudget?.retries, extra);
  });
});

describe('http client against a server that is down hard', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer((_, response) => reply(response, 500, 'broken'));
  });
  after(() => server.close());

  it('opens the breaker and then fails fast without calling the host', async () => {
    const { http, registry } = client({
      retry: false,
      breaker: { window: { type: 'count', size: 10 }, minimumCalls: 5, openDurationMs: 60_000 },
    });
    for (let i = 0; i < 5; i += 1) await assert.rejects(http.request(`${server.url}/x`), HttpStatusError);
    const seen = server.requests.length;
    for (let i = 0; i < 20; i += 1) {
      await assert.rejects(
        http.request(`${server.url}/x`),
        (error) => error instanceof CircuitOpenError && error.code === 'CIRCUIT_OPEN',
      );
    }
    assert.equal(server.requests.length, seen);
    const [upstream] = http.snapshot();
    assert.equal(upstream?.breaker.state, 'open');
    assert.match(await registry.metrics(), /http_client_requests_total\{[^}]*status="circuit_open"\} 20/);
  });
});

describe('http client semantics', () => {
  let server: TestServer;
  let mode = 'ok';
  before(async () => {
    server = await startServer((request, response) => {
      if (mode === '404') return reply(response, 404, 'no such thing');
      if (mode === '429-once') {
        mode = 'ok'; // the next request succeeds
        return reply(response, 429, '', { 'retry-after': '1' });
      }
      if (mode === '503') return reply(response, 503);
      if (mode === 'slow-body') {
        // Headers and a first chunk now, the rest never: only a cancellation can end the read.
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.write('first chunk');
        return;
      }
      return reply(response, 200, JSON.stringify({ traceparent: request.headers.traceparent ?? null }));
    });
  });
  after(() => server.close());

  it('returns a 4xx as a Response and does not hold it against the host', async () => {
    mode = '404';
    const { http } = client({ breaker: { minimumCalls: 2, window: { type: 'count', size: 2 } } });
    for (let i = 0; i < 5; i += 1) {
      const response = await http.request(`${server.url}/missing`);
      assert.equal(response.status, 404);
      await response.text();
    }
    assert.equal(http.snapshot()[0]?.breaker.state, 'closed');
  });

  it('honours Retry-After on a 429', async () => {
    mode = '429-once';
    const delays: number[] = [];
    const { http } = client({
      retry: {
        sleep: async (ms) => {
          delays.push(ms);
        },
      },
    });
    const response = await http.request(`${server.url}/limited`);
    assert.equal(response.status, 200);
    await response.text();
    assert.deepEqual(delays, [1_000]);
  });

  it('does not retry a POST, unless it carries an Idempotency-Key', async () => {
    mode = '503';
    const { http } = client({ retry: { ...noSleep } });
    const before = server.requests.length;
    await assert.rejects(
      http.request(`${server.url}/orders`, { method: 'POST', body: '{}' }),
      HttpStatusError,
    );
    assert.equal(server.requests.length - before, 1);
    await assert.rejects(
      http.request(`${server.url}/orders`, {
        method: 'POST',
        body: '{}',
        headers: { 'idempotency-key': 'k1' },
      }),
      HttpStatusError,
    );
    assert.equal(server.requests.length - before, 1 + 3);
  });

  it("stops reading the body when the caller's signal aborts after the headers arrived", async () => {
    mode = 'slow-body';
    const { http } = client();
    const controller = new AbortController();
    const response = await http.request(`${server.url}/download`, { signal: controller.signal });
    assert.equal(response.status, 200);
    const reading = response.text();
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await assert.rejects(reading, (error) => error === reason);
  });

  it('refuses a stream body, which could not be replayed on retry', async () => {
    const { http } = client();
    const body = new ReadableStream() as unknown as string;
    await assert.rejects(http.request(`${server.url}/upload`, { method: 'PUT', body }), TypeError);
  });

  it('rejects impossible options when the client is created, not at its first request', () => {
    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => client({ timeoutMs }), RangeError, `timeoutMs ${timeoutMs}`);
    }
    assert.throws(() => client({ name: '' }), /name is required/);
  });

  it('rejects a URL that is not absolute', async () => {
    const { http } = client();
    await assert.rejects(http.request('/relative/path'), TypeError);
  });

  it('propagates the active trace context as traceparent', async () => {
    mode = 'ok';
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const { http } = client();
      const spanContext = {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        traceFlags: 1,
      };
      const body = await context.with(trace.setSpanContext(context.active(), spanContext), async () => {
        const response = await http.request(`${server.url}/traced`);
        return (await response.json()) as { traceparent: string | null };
      });
      assert.equal(body.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    } finally {
      propagation.disable();
      context.disable();
    }
  });

  it('sends no traceparent when no propagator is registered', async () => {
    mode = 'ok';
    const { http } = client();
    const response = await http.request(`${server.url}/untraced`);
    assert.deepEqual(await response.json(), { traceparent: null });
  });
});
