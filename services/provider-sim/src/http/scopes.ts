// Scope checks on a verified bearer token. service-kit's `authOf` keeps only sub/tenant/tier
// today, so the `scope` claim (space-separated, e.g. "admin") is read from the token that
// `deps.auth` has already verified. Swap this file for service-kit's scope helper once it exists.
import { bearerToken, HttpError } from '@lab/service-kit';
import type { Request, RequestHandler } from 'express';
import { decodeJwt } from 'jose';

/** The token's scopes; call only after `deps.auth` verified the signature. */
export function scopesOf(req: Request): Set<string> {
  const token = bearerToken(req.headers.authorization);
  if (!token) return new Set();
  const { scope } = decodeJwt(token);
  return new Set(typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []);
}

/** 403 unless the token carries at least one of `scopes`. */
export function requireScope(...scopes: string[]): RequestHandler {
  return (req, _res, next) => {
    const held = scopesOf(req);
    if (!scopes.some((scope) => held.has(scope))) {
      throw new HttpError(403, 'FORBIDDEN', `This needs the ${scopes.join(' or ')} scope.`);
    }
    next();
  };
}
