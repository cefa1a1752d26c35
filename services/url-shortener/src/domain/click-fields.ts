// What a click keeps about its visitor, decided once here. Raw addresses never leave the process:
// the visitor becomes a keyed hash (unique-visitor counts need "same visitor", not who), the
// referrer its host, and the user agent one of a few families. The bounded forms also bound the
// analytics tables: a bot sending random referrers or user agents cannot create rows per request.
import { createHmac } from 'node:crypto';

export const MAX_TEXT = 512;

/** HMAC-SHA256(key, address + user agent), 32 hex characters. */
export function visitorIdOf(key: string, address: string, userAgent: string): string {
  return createHmac('sha256', key).update(`${address}\n${userAgent}`).digest('hex').slice(0, 32);
}

/** A header value cut to MAX_TEXT characters, or null when absent. */
export function boundedHeader(value: string | string[] | undefined): string | null {
  const text = Array.isArray(value) ? value[0] : value;
  return text ? text.slice(0, MAX_TEXT) : null;
}

/** The referrer's host (lower case), or '(direct)' without one, '(invalid)' when unparsable. */
export function referrerHost(referrer: string | null): string {
  if (!referrer) return '(direct)';
  try {
    const host = new URL(referrer).hostname.toLowerCase();
    return host ? host.slice(0, 253) : '(invalid)';
  } catch {
    return '(invalid)';
  }
}

const FAMILIES: ReadonlyArray<[string, RegExp]> = [
  ['bot', /bot|crawl|spider|slurp|preview|facebookexternalhit/i],
  ['curl', /^curl\//i],
  ['edge', /Edg\//],
  ['opera', /OPR\//],
  ['chrome', /Chrome\//],
  ['firefox', /Firefox\//],
  ['safari', /Safari\//],
];

/** One of a fixed set of browser families: a bounded label for "top user agents". */
export function userAgentFamily(userAgent: string | null): string {
  if (!userAgent) return '(none)';
  for (const [family, pattern] of FAMILIES) if (pattern.test(userAgent)) return family;
  return 'other';
}
