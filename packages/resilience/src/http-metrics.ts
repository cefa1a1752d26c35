// Metrics of the resilient HTTP client, one series per upstream host (a bounded set: the hosts a
// service is configured to call), never per path:
//   http_client_requests_total{client,host,method,status}
//     status: 2xx 3xx 4xx 5xx | timeout | cancelled | error (no answer) | circuit_open | bulkhead_full
//     Every attempt counts (a retried request shows up once per attempt), plus each call the breaker
//     or the bulkhead refused before any request was made.
//   http_client_request_duration_seconds{client,host,method}   one observation per network attempt

import { counter, histogram } from '@lab/metrics';
import type { Counter, Histogram, Registry } from 'prom-client';

export type HttpClientMetrics = {
  requests: Counter<'client' | 'host' | 'method' | 'status'>;
  duration: Histogram<'client' | 'host' | 'method'>;
};

export function httpClientMetrics(registry: Registry): HttpClientMetrics {
  return {
    requests: counter(registry, {
      name: 'http_client_requests_total',
      help: 'Outgoing HTTP requests by upstream host, method and status class (or failure kind)',
      labelNames: ['client', 'host', 'method', 'status'],
    }),
    duration: histogram(registry, {
      name: 'http_client_request_duration_seconds',
      help: 'Duration of each outgoing HTTP attempt, until the response headers arrived',
      labelNames: ['client', 'host', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
  };
}

export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}
