// Bearer JWT authentication, HS256 via `jose`. The token says who calls (`sub`), for which
// tenant, and on which plan (`tier`, used by rate limits). HS256 with a shared secret keeps the
// lab self-contained; production would use an asymmetric key (RS256/EdDSA) so services can verify
// without being able to mint tokens — swapping the key is the only change here.
import type { RequestHandler, Response } from 'express';
import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { HttpError } from '../http/problem.ts';

export const TIERS = ['free', 'pro', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

/**
 * `scope`: space-separated scope names, as in OAuth 2.0 (RFC 6749 §3.3): `admin`, `service`,
 * `<service>:<action>`. Bounded, because every request carries and parses it.
 */
export const SCOPE_CLAIM = z
  .string()
  .max(1_000)
  .regex(/^[A-Za-z0-9_.:-]{1,64}( [A-Za-z0-9_.:-]{1,64})*$/, 'space-separated names of [A-Za-z0-9_.:-]');

const claimsSchema = z.object({
  sub: z.string().min(1).max(200),
  tenant: z.string().min(1).max(200),
  tier: z.enum(TIERS),
  scope: SCOPE_CLAIM.optional(),
});

export type AuthClaims = z.infer<typeof claimsSchema>;

const ALGORITHM = 'HS256';
const encoder = new TextEncoder();

export class AuthError extends HttpError {
  constructor(code: 'UNAUTHENTICATED' | 'TOKEN_EXPIRED' | 'TOKEN_INVALID', detail: string) {
    super(401, code, detail);
    this.name = 'AuthError';
  }
}

/** Verifies signature, algorithm, expiry (`exp` required) and claim shapes; throws AuthError (401) otherwise. */
export async function verifyToken(token: string, secret: string): Promise<AuthClaims> {
  let payload: unknown;
  try {
    // `exp` is required: jose only checks expiry when the claim is present, and a token without
    // one would be valid forever once leaked.
    ({ payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: [ALGORITHM],
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired)
      throw new AuthError('TOKEN_EXPIRED', 'The bearer token has expired.');
    throw new AuthError('TOKEN_INVALID', 'The bearer token is not valid.');
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) {
    throw new AuthError(
      'TOKEN_INVALID',
      'The bearer token lacks the sub, tenant or tier claim, or has a bad scope.',
    );
  }
  return claims.data;
}

export type SignTokenOptions = AuthClaims & {
  secret: string;
  /** jose duration string or seconds; default 1 h. */
  expiresIn?: string | number;
};

/** Mints a token the services accept. For development and tests, not a login flow. */
export async function signDevToken({
  sub,
  tenant,
  tier,
  scope,
  secret,
  expiresIn = '1h',
}: SignTokenOptions): Promise<string> {
  // Minting a token the services would reject (empty sub, unknown tier) only moves the error to
  // the first request, where it is harder to understand; refuse it here.
  if (!claimsSchema.safeParse({ sub, tenant, tier, scope }).success) {
    throw new TypeError(
      `sub and tenant must be 1-200 characters, tier one of ${TIERS.join(', ')}, scope space-separated names`,
    );
  }
  return new SignJWT({ tenant, tier, ...(scope !== undefined && scope !== '' ? { scope } : {}) })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(typeof expiresIn === 'number' ? Math.floor(Date.now() / 1000) + expiresIn : expiresIn)
    .sign(encoder.encode(secret));
}

/** `Authorization: Bearer <token>` -> the token, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([A-Za-z0-9_\-.~+/]+=*)$/i.exec(header?.trim() ?? '');
  return match?.[1];
}

/**
 * Rejects the request with 401 problem+json unless it carries a valid token; sets `res.locals.auth`.
 * `secret` defaults to JWT_SECRET from the environment (services get one pre-bound as `deps.auth`).
 */
export function requireAuth({
  secret = process.env.JWT_SECRET,
}: {
  secret?: string | undefined;
} = {}): RequestHandler {
  if (!secret) throw new Error('requireAuth needs a secret: pass { secret } or set JWT_SECRET');
  const key = secret;
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new AuthError('UNAUTHENTICATED', 'A bearer token is required.');
    }
    try {
      res.locals.auth = await verifyToken(token, key);
    } catch (error) {
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw error;
    }
    next();
  };
}

/** The verified claims `requireAuth` put on the response, or undefined on public routes. */
export function authOf(res: Response): AuthClaims | undefined {
  return res.locals.auth as AuthClaims | undefined;
}
