// The body of a refused request: RFC 9457 problem details, the repo's one error shape. A quota
// refusal uses the problem type the RateLimit draft registers ("quota-exceeded", with the
// `violated-policies` member); a refusal because the limiter's store is down (fail-closed) is a
// 503, since the client did nothing wrong and may retry elsewhere or later.
import type { LimitResult } from './limiter.ts';

export const QUOTA_EXCEEDED_TYPE = 'https://iana.org/assignments/http-problem-types#quota-exceeded';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export type RateLimitProblem = {
  type: string;
  title: string;
  status: 429 | 503;
  detail: string;
  instance?: string;
  code: 'RATE_LIMITED' | 'RATE_LIMITER_UNAVAILABLE';
  requestId?: string;
  'violated-policies'?: string[];
  retryAfterMs: number;
};

export function refusalProblem(
  result: LimitResult,
  context: { instance?: string; requestId?: string } = {},
): RateLimitProblem {
  const retrySeconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
  const where = {
    ...(context.instance ? { instance: context.instance } : {}),
    ...(context.requestId ? { requestId: context.requestId } : {}),
  };
  if (result.source === 'fail-closed') {
    return {
      type: 'urn:lab:problem:rate-limiter-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: `The rate limiter cannot decide right now and this limit fails closed; retry in ${retrySeconds} s.`,
      code: 'RATE_LIMITER_UNAVAILABLE',
      ...where,
      retryAfterMs: result.retryAfterMs,
    };
  }
  const policy = result.rule?.name ?? 'default';
  return {
    type: QUOTA_EXCEEDED_TYPE,
    title: 'Too Many Requests',
    status: 429,
    detail: `Quota "${policy}" exceeded; retry in ${retrySeconds} s.`,
    code: 'RATE_LIMITED',
    ...where,
    'violated-policies': [policy],
    retryAfterMs: result.retryAfterMs,
  };
}
