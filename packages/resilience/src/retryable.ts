// Which failures are worth another attempt. Retry only what may succeed next time: connection
// errors, timeouts, 5xx and 429 (and 408). A 4xx is the caller's mistake and gets the same answer
// again; an open breaker or a full bulkhead is the system shedding load, and retrying into it is
// exactly the storm they exist to prevent.
import { isBulkheadRejected, isCircuitOpen, isHttpStatusError, isTimeout } from './errors.ts';

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

// Failures that happen before a request leaves the machine: the server never saw it, so repeating
// it is safe even for a non-idempotent operation such as a POST.
const NEVER_SENT_CODES = new Set([
  'ECONNREFUSED',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The first `code` found on the error or its causes (fetch wraps the socket error in `cause`). */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (TRANSIENT_NETWORK_CODES.has(code) || code === 'ENOTFOUND')) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isRetryableStatus(status: number): boolean {
  // 501 Not Implemented is a 5xx that will never change its mind.
  return status === 408 || status === 429 || (status >= 500 && status !== 501);
}

export function isRetryableError(error: unknown): boolean {
  if (isCircuitOpen(error) || isBulkheadRejected(error)) return false;
  if (isTimeout(error)) return true;
  if (isHttpStatusError(error)) return isRetryableStatus(error.status);
  const code = networkErrorCode(error);
  return code !== undefined && TRANSIENT_NETWORK_CODES.has(code);
}

export function wasNeverSent(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code !== undefined && NEVER_SENT_CODES.has(code);
}

/** The server's Retry-After, in ms, when the error carries one. */
export function retryAfterOf(error: unknown): number | undefined {
  return isHttpStatusError(error) ? error.retryAfterMs : undefined;
}
