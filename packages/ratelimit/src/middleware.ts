// Express middleware: build the request's levels (rule + key each), ask the limiter once, set the
// headers, and either continue or answer 429 (quota) / 503 (limiter down and the rule fails closed)
// with a problem+json body. Levels whose rule or key does not apply (an unlimited tier, an
// anonymous request at the user level) are skipped; with none left the request passes unchecked.
import type { Request, RequestHandler, Response } from 'express';
import { MIDDLEWARE_DEFAULTS } from './defaults.ts';
import { type HeaderOptions, setRateLimitHeaders } from './headers.ts';
import type { KeyExtractor } from './key-extractors.ts';
import type { Level, LimitResult, RateLimiter } from './limiter.ts';
import type { Rule } from './policy.ts';
import { PROBLEM_CONTENT_TYPE, refusalProblem } from './problem.ts';
import type { RuleChooser } from './tiers.ts';

export type LevelSpec = {
  /**
   * A fixed rule, or one chosen per request (a tier); undefined skips the level. A chooser may
   * be async (rules read from a store); a synchronous one costs no extra await.
   */
  rule: Rule | RuleChooser | AsyncRuleChooser;
  key: KeyExtractor;
};

export type AsyncRuleChooser = (req: Request, res: Response) => Promise<Rule | undefined>;

export type RateLimitMiddlewareOptions = {
  limiter: RateLimiter;
  /** Outermost first: global -> tenant -> user -> endpoint. The limiter reorders cheapest first. */
  levels: readonly LevelSpec[];
  /** Units a request takes. @default 1 — MIDDLEWARE_DEFAULTS.cost: every request counts once. */
  cost?: number | ((req: Request) => number);
  /** @default { standard: true, legacy: false } — the IETF fields; X-RateLimit-* only when asked. */
  headers?: HeaderOptions;
  /** Replaces the default 429/503 problem response. */
  onRefused?: (req: Request, res: Response, result: LimitResult) => void;
  /** Where the result is left for handlers (res.locals.rateLimit). @default 'rateLimit' */
  localsKey?: string;
};

export function rateLimitMiddleware(options: RateLimitMiddlewareOptions): RequestHandler {
  const {
    limiter,
    levels: specs,
    cost = MIDDLEWARE_DEFAULTS.cost,
    headers = {},
    onRefused = sendRefusal,
  } = options;
  const localsKey = options.localsKey ?? MIDDLEWARE_DEFAULTS.localsKey;
  if (specs.length === 0) throw new RangeError('rateLimitMiddleware needs at least one level');
  return async (req, res, next) => {
    let result: LimitResult;
    try {
      const levels: Level[] = [];
      for (const spec of specs) {
        let rule = typeof spec.rule === 'function' ? spec.rule(req, res) : spec.rule;
        if (rule instanceof Promise) rule = await rule;
        if (!rule) continue;
        const key = spec.key(req, res);
        if (key !== undefined) levels.push({ rule, key });
      }
      result = await limiter.checkLevels(levels, { cost: typeof cost === 'function' ? cost(req) : cost });
    } catch (error) {
      next(error);
      return;
    }
    res.locals[localsKey] = result;
    if (!limiter.shadow) setRateLimitHeaders(res, result, headers);
    if (result.allowed) {
      next();
      return;
    }
    onRefused(req, res, result);
  };
}

function sendRefusal(req: Request, res: Response, result: LimitResult): void {
  const requestId = res.locals.requestId ?? res.getHeader('x-request-id') ?? req.headers['x-request-id'];
  const body = refusalProblem(result, {
    instance: req.originalUrl.split('?')[0] ?? req.originalUrl,
    ...(typeof requestId === 'string' ? { requestId } : {}),
  });
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}
