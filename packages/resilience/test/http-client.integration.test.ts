// The HTTP client against a server slowed by Toxiproxy (a real TCP proxy, latency injected on the
// wire): the per-attempt timeout fires and the breaker counts timeouts and slow calls.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createFaultProxy, type FaultProxy } from '@lab/testkit';
import { Registry } from 'prom-client';
import { CircuitOpenError, createHttpClient, TimeoutError } from '../src/index.ts';
import { reply, startServer, type TestServer } from './http-server.ts';

describe('http client through a slow network (Toxiproxy)', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let baseUrl: string;
  before(async () => {
    server = await startServer((_, response) => reply(response, 200, 'ok'));
    proxy = await createFaultProxy('resilience-http', server.hostPort);
    baseUrl = `http://${proxy.listen}`;
  });
  afterEach(() => proxy.restore());
  after(async () => {
    await proxy.remove();
    await server.close();
  });

  it('answers normally through the proxy', async () => {
    const http = createHttpClient({ name: 'tox', registry: new Registry() });
    const response = await http.request(`${baseUrl}/ok`);
    assert.equal(await response.text(), 'ok');
  });

  it('times out each attempt instead of waiting for a slow answer, and the breaker counts it', async () => {
    await proxy.addLatency(1_500);
    const registry = new Registry();
    const http = createHttpClient({
      name: 'tox',
      registry,
      timeoutMs: 100,
      retry: { maxAttempts: 2, sleep: async () => {} },
      breaker: { window: { type: 'count', size: 4 }, minimumCalls: 4, openDurationMs: 60_000 },
    });
    const started = performance.now();
    await assert.rejects(http.request(`${baseUrl}/slow`), TimeoutError);
    const elapsed = performance.now() - started;
    // Two attempts of 100 ms each; waiting for the answer would have taken 1.5 s.
    assert.ok(elapsed < 1_000, `took ${elapsed.toFixed(0)} ms`);
    await assert.rejects(http.request(`${baseUrl}/slow`), TimeoutError);
    const breaker = http.snapshot()[0]?.breaker;
    assert.equal(breaker?.totals.timeout, 4);
    assert.equal(breaker?.state, 'open');
    await assert.rejects(http.request(`${baseUrl}/slow`), CircuitOpenError);
    const text = await registry.metrics();
    assert.match(
      text,
      /http_client_requests_total\{client="tox",host="[^"]+",method="GET",status="timeout"\} 4/,
    );
    assert.match(text, /circuit_breaker_calls_total\{name="tox:[^"]+",outcome="timeout"\} 4/);
  });

  it('counts slow answers and opens on the slow-call rate', async () => {
    await proxy.addLatency(200);
    const registry = new Registry();
    const http = createHttpClient({
      name: 'tox',
      registry,
      timeoutMs: 5_000,
      breaker: {
        window: { type: 'count', size: 3 },
        minimumCalls: 3,
        slowCallDurationMs: 100,
        slowCallRateThreshold: 1,
        openDurationMs: 60_000,
      },
    });
    for (let i = 0; i < 3; i += 1) {
      const response = await http.request(`${baseUrl}/slowish`);
      assert.equal(await response.text(), 'ok');
    }
    const breaker = http.snapshot()[0]?.breaker;
    assert.equal(breaker?.totals.slow, 3);
    assert.equal(breaker?.state, 'open');
    assert.match(
      await registry.metrics(),
      /circuit_breaker_calls_total\{name="tox:[^"]+",outcome="slow"\} 3/,
    );
  });
});
