// Test tokens with a `scope` claim, minted by service-kit's signDevToken (HS256, exp required),
// exactly as the services' own dev tokens are.
import { signDevToken } from '@lab/service-kit';

export const JWT_SECRET = 'test-secret-of-at-least-32-characters-0123';

export function tokenFor(sub: string, scopes: string[] = [], secret = JWT_SECRET): Promise<string> {
  const scope = scopes.length ? { scope: scopes.join(' ') } : {};
  return signDevToken({ sub, tenant: 'lab', tier: 'free', ...scope, secret });
}
