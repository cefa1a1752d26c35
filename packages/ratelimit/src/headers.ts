// Response headers for a limit check. The IETF RateLimit fields follow
// draft-ietf-httpapi-ratelimit-headers (-08 and later, -11 current): structured-field lists keyed
// by policy name, one member per level that was checked:
//   RateLimit-Policy: "tenant";q=10000;w=60, "user";q=100;w=60     (quota q per window w seconds)
//   RateLimit: "tenant";r=9120;t=41, "user";r=42;t=17              (r units left, t seconds to reset)
// Retry-After (RFC 9110) goes on refusals. The legacy X-RateLimit-* trio (one limit only: the
// level closest to running out) is optional, for clients written before the draft.

import { MIDDLEWARE_DEFAULTS } from './defaults.ts';
import type { LevelDecision, LimitResult } from './limiter.ts';
import type { Rule } from './policy.ts';

export type HeaderOptions = {
  /** IETF RateLimit + RateLimit-Policy. @default true — MIDDLEWARE_DEFAULTS.standardHeaders */
  standard?: boolean;
  /** X-RateLimit-Limit / -Remaining / -Reset (epoch seconds, as GitHub and most APIs send it). @default false */
  legacy?: boolean;
  /** Wall clock for the legacy reset timestamp; tests pin it. */
  now?: () => number;
};

/** Anything headers can be set on: an express/node response, or a plain object. */
type HeaderSink = { setHeader(name: string, value: string): unknown };

/** A structured-field string: quoted, with `\` and `"` escaped. */
function sfString(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

// A rule's quoted name and policy member never change: built once per rule object, not per response.
const memberCache = new WeakMap<Rule, { name: string; policy: string }>();
function members(rule: Rule): { name: string; policy: string } {
  let cached = memberCache.get(rule);
  if (!cached) {
    const name = sfString(rule.name);
    cached = { name, policy: `${name};q=${rule.limit};w=${Math.max(1, seconds(rule.windowMs))}` };
    memberCache.set(rule, cached);
  }
  return cached;
}

/** Sets the headers for a result. Shadow levels and unlimited checks produce no quota headers. */
export function setRateLimitHeaders(
  sink: HeaderSink,
  result: LimitResult,
  options: HeaderOptions = {},
): void {
  const levels = result.levels;
  // Shadow levels are dark launches: never shown. (With a limiter-wide shadow mode the middleware
  // sends no quota headers at all.)
  if (levels.length > 0) {
    if (options.standard ?? MIDDLEWARE_DEFAULTS.standardHeaders) {
      let policy = '';
      let state = '';
      for (let i = 0; i < levels.length; i += 1) {
        const level = levels[i] as LevelDecision;
        if (level.rule.shadow === true) continue;
        const { name, policy: member } = members(level.rule);
        const separator = policy === '' ? '' : ', ';
        policy += separator + member;
        state += `${separator}${name};r=${level.remaining};t=${seconds(level.resetMs)}`;
      }
      if (policy !== '') {
        sink.setHeader('RateLimit-Policy', policy);
        sink.setHeader('RateLimit', state);
      }
    }
    if (
      (options.legacy ?? MIDDLEWARE_DEFAULTS.legacyHeaders) &&
      levels.some((level) => level.rule.shadow !== true)
    ) {
      const now = options.now ?? Date.now;
      sink.setHeader('X-RateLimit-Limit', String(result.limit));
      sink.setHeader('X-RateLimit-Remaining', String(result.remaining));
      sink.setHeader('X-RateLimit-Reset', String(Math.ceil((now() + result.resetMs) / 1000)));
    }
  }
  if (!result.allowed) sink.setHeader('Retry-After', String(Math.max(1, seconds(result.retryAfterMs))));
}

/** The same headers as name -> value (for callers that answer in JSON, like the service). */
export function rateLimitHeaders(result: LimitResult, options: HeaderOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  setRateLimitHeaders(
    {
      setHeader: (name, value) => {
        headers[name] = value;
      },
    },
    result,
    options,
  );
  return headers;
}
