// X-Request-Id: accepted from the caller when it looks like an id, otherwise generated, and
// echoed on the response. Bounded and charset-checked because it lands in logs and problem
// bodies: an unchecked header would let a client inject log lines or megabytes of text.
import { randomUUID } from 'node:crypto';

const MAX_LENGTH = 128;
const SAFE = /^[A-Za-z0-9._:-]+$/;

export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_LENGTH && SAFE.test(value);
}

/** The caller's id when valid, else a fresh UUID. */
export function resolveRequestId(header: string | string[] | undefined): string {
  const candidate = Array.isArray(header) ? header[0] : header;
  return isValidRequestId(candidate) ? candidate : randomUUID();
}
