// Who may do what. service-kit's `authOf` keeps only sub/tenant/tier today, so the `scope` claim
// (space-separated: `admin`, `service`, `notifications:send`) is read from the bearer token that
// `deps.auth` has already verified. Replace `scopesOf` with service-kit's helper once it has one.
import { authOf, bearerToken, HttpError } from '@lab/service-kit';
import type { Request, RequestHandler, Response } from 'express';
import { decodeJwt } from 'jose';

export type Caller = { sub: string; scopes: ReadonlySet<string> };

/** Call only after `deps.auth`: the signature is verified there, this only reads the claims. */
export function callerOf(req: Request, res: Response): Caller {
  const token = bearerToken(req.headers.authorization);
  const scope = token ? decodeJwt(token).scope : undefined;
  return {
    sub: authOf(res)?.sub ?? '',
    scopes: new Set(typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []),
  };
}

const forbidden = (detail: string) => new HttpError(403, 'FORBIDDEN', detail);

/** 403 unless the caller holds one of `scopes`. */
export function requireScope(...scopes: string[]): RequestHandler {
  return (req, res, next) => {
    const { scopes: held } = callerOf(req, res);
    if (!scopes.some((scope) => held.has(scope)))
      throw forbidden(`This needs the ${scopes.join(' or ')} scope.`);
    next();
  };
}

/** A user's own data: the user themself (`sub` = the id in the path) or an admin. */
export const requireSelfOrAdmin: RequestHandler = (req, res, next) => {
  const caller = callerOf(req, res);
  if (caller.sub !== req.params.id && !caller.scopes.has('admin')) {
    throw forbidden("Only the user themself or an admin may read or change a user's settings.");
  }
  next();
};
