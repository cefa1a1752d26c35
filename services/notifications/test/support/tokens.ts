// Test tokens with a `scope` claim. service-kit's signDevToken has no scopes yet, so these are
// minted with jose the same way (HS256, exp required); switch to signDevToken({ scope }) once it
// takes one.
import { SignJWT } from 'jose';

export const JWT_SECRET = 'test-secret-of-at-least-32-characters-0123';

export function tokenFor(sub: string, scopes: string[] = [], secret = JWT_SECRET): Promise<string> {
  return new SignJWT({ tenant: 'lab', tier: 'free', ...(scopes.length ? { scope: scopes.join(' ') } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
}
