// Response headers for a limit check. The IETF RateLimit fields follow
// draft-ietf-httpapi-ratelimit-headers (-08 and later, -11 current): structured-field lists keyed
// by policy name, one member per level that was checked:
//   RateLimit-Policy: "tenant";q=10000;w=60, "user";q=100;w=60     (quota q per window w seconds)
//   RateLimit: "tenant";r=9120;t=41, "user";r=42;t=17              (r units left, t seconds to reset)
// Retry-After (RFC 9110) goes on refusals. The legacy X-RateLimit-* trio (one limit only: the
// level closest to running out) is optional, for clients written before the draft.
import type { LimitResult } from './limiter.ts';

export type HeaderOptions = {
  /** IETF RateLimit + RateLimit-Policy. Default true. */
  standard?: boolean;
  /** X-RateLimit-Limit / -Remaining / -Reset (epoch seconds, as GitHub and most APIs send it). Default false. */
  legacy?: boolean;
  /** Wall clock for the legacy reset timestamp; tests pin it. */
  now?: () => number;
};

/** A structured-field string: quoted, with `\` and `"` escaped. */
function sfString(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/** The headers for a result, as name -> value. Shadow rules and unlimited checks produce none. */
export function rateLimitHeaders(result: LimitResult, options: HeaderOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  const visible = result.levels.filter((level) => level.rule.shadow !== true);
  if (visible.length > 0 && !result.shadowDenied) {
    if (options.standard !== false) {
      headers['RateLimit-Policy'] = visible
        .map(
          (level) =>
            `${sfString(level.rule.name)};q=${level.rule.limit};w=${Math.max(1, seconds(level.rule.windowMs))}`,
        )
        .join(', ');
      headers.RateLimit = visible
        .map((level) => `${sfString(level.rule.name)};r=${level.remaining};t=${seconds(level.resetMs)}`)
        .join(', ');
    }
    if (options.legacy === true) {
      const now = options.now ?? Date.now;
      headers['X-RateLimit-Limit'] = String(result.limit);
      headers['X-RateLimit-Remaining'] = String(result.remaining);
      headers['X-RateLimit-Reset'] = String(Math.ceil((now() + result.resetMs) / 1000));
    }
  }
  if (!result.allowed) headers['Retry-After'] = String(Math.max(1, seconds(result.retryAfterMs)));
  return headers;
}
