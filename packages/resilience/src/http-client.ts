// A resilient HTTP client over fetch (undici) for service-to-service and provider calls. Per
// upstream host it keeps a circuit breaker, a retry policy with its own retry budget, and optionally
// a bulkhead, composed by createPolicy (bulkhead → retry → breaker → per-attempt timeout). It also
// propagates the trace context and records metrics.
//
// What a caller gets back:
// - a Response for any status below 500 except 408 and 429 (a 404 is an answer, not a failure);
// - a rejection with HttpStatusError for 5xx, 408 and 429 once retries are spent (or not allowed),
//   with CircuitOpenError / BulkheadRejectedError when refused, TimeoutError when the last attempt
//   timed out, or the network error itself.
// Only 5xx, timeouts and network errors count against the host's breaker: a 429 is the upstream
// throttling this client (retry honours its Retry-After), not the upstream being broken.
// Each attempt's time limit covers the wait for the response headers; the caller's signal
// (RequestInit.signal) bounds the whole call, body reading included.
import { type Registry, register } from 'prom-client';
import { type Bulkhead, type BulkheadOptions, type BulkheadSnapshot, createBulkhead } from './bulkhead.ts';
import {
  type BreakerSnapshot,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  createCircuitBreaker,
} from './circuit-breaker.ts';
import {
  HttpStatusError,
  isBulkheadRejected,
  isCircuitOpen,
  isHttpStatusError,
  isTimeout,
} from './errors.ts';
import { httpClientMetrics, statusClass } from './http-metrics.ts';
import { createPolicy, type Policy } from './policy.ts';
import { createRetry, type RetryOptions } from './retry.ts';
import { parseRetryAfter } from './retry-after.ts';
import { createRetryBudget, type RetryBudgetOptions } from './retry-budget.ts';
import { isRetryableStatus } from './retryable.ts';
import { injectTraceContext } from './trace-context.ts';

export type HttpClientOptions = {
  /**
   * The `client` metric label and the prefix of each breaker's name (`<name>:<host>`).
   * @default 'http'
   */
  name?: string;
  /**
   * Time limit of one attempt, until the response headers arrive.
   * @default 2_000
   */
  timeoutMs?: number;
  /**
   * Retry options per host (`idempotent` comes from the method or an Idempotency-Key), or false.
   * @default RETRY_DEFAULTS
   */
  retry?: Omit<RetryOptions, 'name' | 'registry' | 'budget' | 'idempotent'> | false;
  /**
   * A retry budget per host, or false for none.
   * @default RETRY_BUDGET_DEFAULTS
   */
  retryBudget?: RetryBudgetOptions | false;
  /**
   * Breaker options per host.
   * @default BREAKER_DEFAULTS with isFailure: isUpstreamFailure (5xx, timeouts, network errors)
   */
  breaker?: Omit<CircuitBreakerOptions, 'name' | 'registry'>;
  /**
   * A bulkhead per host.
   * @default undefined (none)
   */
  bulkhead?: Omit<BulkheadOptions, 'name' | 'registry'>;
  /** @default globalThis.fetch (undici) */
  fetch?: typeof fetch;
  /** @default prom-client's global register */
  registry?: Registry;
};

export const HTTP_CLIENT_DEFAULTS = {
  // The metric label when a service does not name its client.
  name: 'http',
  // "A default 30 s HTTP client timeout is dangerous at scale": keep each hop below its caller's,
  // with room for a retry inside the caller's budget.
  timeoutMs: 2_000,
} as const;

export type HttpRequestInit = Omit<RequestInit, 'body'> & {
  /** A replayable body: a stream could not be sent again on retry, so it is not accepted. */
  body?: string | Uint8Array | ArrayBuffer | URLSearchParams | FormData | Blob | null;
  /** Whether retrying is safe. Default: true for GET HEAD OPTIONS PUT DELETE, or with an Idempotency-Key. */
  idempotent?: boolean;
};

export type UpstreamSnapshot = {
  host: string;
  breaker: BreakerSnapshot;
  retryBudget?: { calls: number; retries: number; available: number };
  bulkhead?: BulkheadSnapshot;
};

export type HttpClient = {
  request(url: string | URL, init?: HttpRequestInit): Promise<Response>;
  /** The breaker guarding `host` (host[:port]), once the client has called it. */
  breaker(host: string): CircuitBreaker | undefined;
  /** Per-upstream state, for health endpoints and dashboards. */
  snapshot(): UpstreamSnapshot[];
};

type Upstream = {
  breaker: CircuitBreaker;
  policy: Policy;
  bulkhead?: Bulkhead;
  budget?: ReturnType<typeof createRetryBudget>;
};

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** 5xx means the upstream is broken; 4xx (429 included) is an answer about this request. */
export function isUpstreamFailure(error: unknown): boolean {
  return !isHttpStatusError(error) || error.status >= 500;
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const name = options.name ?? HTTP_CLIENT_DEFAULTS.name;
  const timeoutMs = options.timeoutMs ?? HTTP_CLIENT_DEFAULTS.timeoutMs;
  const registry = options.registry ?? register;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  // Checked here rather than at the first request, whose caller did nothing wrong. The breaker,
  // retry and bulkhead options are checked when the first host is seen: they are built per host.
  if (!name) throw new RangeError('http client name is required');
  if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
    throw new RangeError('http client timeoutMs must be a finite number > 0');
  }
  const metrics = httpClientMetrics(registry);
  const upstreams = new Map<string, Upstream>();

  function upstreamFor(host: string): Upstream {
    const existing = upstreams.get(host);
    if (existing) return existing;
    const breaker = createCircuitBreaker({
      isFailure: isUpstreamFailure,
      ...options.breaker,
      name: `${name}:${host}`,
      registry,
    });
    const budget = options.retryBudget === false ? undefined : createRetryBudget(options.retryBudget);
    const retry =
      options.retry === false
        ? undefined
        : createRetry({ ...options.retry, name: `${name}:${host}`, budget: budget ?? false, registry });
    const bulkhead = options.bulkhead
      ? createBulkhead({ ...options.bulkhead, name: `${name}:${host}`, registry })
      : undefined;
    const upstream: Upstream = {
      breaker,
      budget,
      bulkhead,
      policy: createPolicy({ breaker, retry, bulkhead, attemptTimeoutMs: timeoutMs }),
    };
    upstreams.set(host, upstream);
    return upstream;
  }

  async function attempt(
    url: URL,
    init: RequestInit,
    labels: { client: string; host: string; method: string },
  ) {
    const started = performance.now();
    let status = 'error';
    try {
      const response = await fetchImpl(url, init);
      status = statusClass(response.status);
      if (response.status >= 500 || isRetryableStatus(response.status)) {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        await response.body?.cancel(); // release the connection; the body of a failure is not needed
        throw new HttpStatusError(response.status, labels.method, url, retryAfterMs);
      }
      return response;
    } catch (error) {
      if (status === 'error' && init.signal?.aborted) {
        status = isTimeout(init.signal.reason) ? 'timeout' : 'cancelled';
      }
      throw error;
    } finally {
      metrics.duration.observe(labels, (performance.now() - started) / 1000);
      metrics.requests.inc({ ...labels, status });
    }
  }

  return {
    async request(input, init = {}) {
      const url = new URL(input);
      const method = (init.method ?? 'GET').toUpperCase();
      const { idempotent, signal, ...rest } = init;
      if ((rest.body as unknown) instanceof ReadableStream) {
        throw new TypeError('a stream body cannot be replayed on retry; pass a string, bytes or a Blob');
      }
      const headers = new Headers(init.headers);
      injectTraceContext(headers);
      const labels = { client: name, host: url.host, method };
      const upstream = upstreamFor(url.host);
      // The attempt's signal stops being tied to the caller's once the headers are in (the timeout
      // policy lets go of both), so fetch also gets the caller's signal: cancelling still stops the
      // body download.
      const fetchSignal = (attemptSignal: AbortSignal) =>
        signal ? AbortSignal.any([attemptSignal, signal]) : attemptSignal;
      try {
        return await upstream.policy.execute(
          (attemptSignal) =>
            attempt(url, { ...rest, method, headers, signal: fetchSignal(attemptSignal) }, labels),
          {
            signal: signal ?? undefined,
            idempotent: idempotent ?? (IDEMPOTENT_METHODS.has(method) || headers.has('idempotency-key')),
          },
        );
      } catch (error) {
        if (isCircuitOpen(error)) metrics.requests.inc({ ...labels, status: 'circuit_open' });
        else if (isBulkheadRejected(error)) metrics.requests.inc({ ...labels, status: 'bulkhead_full' });
        throw error;
      }
    },
    breaker: (host) => upstreams.get(host)?.breaker,
    snapshot: () =>
      [...upstreams].map(([host, upstream]) => ({
        host,
        breaker: upstream.breaker.snapshot(),
        retryBudget: upstream.budget?.snapshot(),
        bulkhead: upstream.bulkhead?.snapshot(),
      })),
  };
}
