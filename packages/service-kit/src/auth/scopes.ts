// Authorization, after authentication: what a verified token may do. A token's `scope` claim lists
// what it is allowed (`admin`: configuration writes; `service`: acting for another tenant or user;
// `<service>:<action>`: one capability of one service). A valid token without the needed scope
// gets 403, not 401: the caller is known, and a new login would not help.
import type { RequestHandler } from 'express';
import { HttpError } from '../http/problem.ts';
import { type AuthClaims, AuthError, authOf } from './jwt.ts';

/** The scopes a token carries; empty when it has none. */
export function scopesOf(claims: AuthClaims | undefined): readonly string[] {
  return claims?.scope ? claims.scope.split(' ') : [];
}

export function hasScope(claims: AuthClaims | undefined, scope: string): boolean {
  return scopesOf(claims).includes(scope);
}

/** 403 problem+json (code FORBIDDEN) naming the scope that is missing. */
export function forbidden(scope: string, what = 'this request'): HttpError {
  return new HttpError(403, 'FORBIDDEN', `The bearer token lacks the "${scope}" scope needed for ${what}.`);
}

/**
 * After requireAuth: passes a token with `scope`, refuses one without it (403). Before any auth
 * (a route wired without requireAuth), 401: refusing is the safe mistake.
 */
export function requireScope(scope: string): RequestHandler {
  return (_req, res, next) => {
    const claims = authOf(res);
    if (!claims) throw new AuthError('UNAUTHENTICATED', 'A bearer token is required.');
    if (!hasScope(claims, scope)) throw forbidden(scope);
    next();
  };
}
