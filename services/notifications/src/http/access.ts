// Who may read or change a user's own settings. Scope checks themselves are service-kit's
// (`requireScope`, `hasScope`); this adds the one rule that is particular to this service.
import { AuthError, authOf, HttpError, hasScope, requireScope } from '@lab/service-kit';
import type { RequestHandler } from 'express';

/** 403 unless the caller holds one of `scopes` (service-kit's requireScope takes one). */
export function requireAnyScope(...scopes: string[]): RequestHandler {
  if (scopes.length === 1) return requireScope(scopes[0] as string);
  return (_req, res, next) => {
    const claims = authOf(res);
    if (!claims) throw new AuthError('UNAUTHENTICATED', 'A bearer token is required.');
    if (!scopes.some((scope) => hasScope(claims, scope))) {
      throw new HttpError(403, 'FORBIDDEN', `The bearer token lacks the ${scopes.join(' or ')} scope.`);
    }
    next();
  };
}

/** A user's own data: the user themself (`sub` = the id in the path) or an admin. */
export const requireSelfOrAdmin: RequestHandler = (req, res, next) => {
  const claims = authOf(res);
  if (!claims) throw new AuthError('UNAUTHENTICATED', 'A bearer token is required.');
  if (claims.sub !== req.params.id && !hasScope(claims, 'admin')) {
    throw new HttpError(
      403,
      'FORBIDDEN',
      "Only the user themself or an admin may read or change a user's settings.",
    );
  }
  next();
};
