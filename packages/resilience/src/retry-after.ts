// Retry-After (RFC 9110 §10.2.3): either delay-seconds ("120") or an HTTP-date. Servers send it with
// 429 and 503 to say when to come back; honouring it is how clients avoid a synchronized retry storm.
/** Milliseconds to wait, or undefined when the header is missing or malformed. */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT") names a day; Date.parse would also take "-5".
  if (!/^[a-z]{3},/i.test(trimmed)) return undefined;
  // An HTTP-date is wall-clock time, so this one place compares with Date.now(), not a monotonic clock.
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
