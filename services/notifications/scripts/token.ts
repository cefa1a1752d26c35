// `npm run token -w @lab/notifications -- --sub ops --scope "admin notifications:send"`: prints a
// development JWT with a `scope` claim, signed with JWT_SECRET (or the development default).
// service-kit's dev:token has no scopes yet; this stands in until it does.
import { DEV_JWT_SECRET } from '@lab/service-kit';
import { SignJWT } from 'jose';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? (args[at + 1] as string) : fallback;
};
const secret = process.env.JWT_SECRET ?? DEV_JWT_SECRET;
if (secret.length < 32) {
  console.error('JWT_SECRET must be at least 32 characters');
  process.exit(2);
}
const scope = flag('scope', '');
const token = await new SignJWT({
  tenant: flag('tenant', 'dev-tenant'),
  tier: 'free',
  ...(scope ? { scope } : {}),
})
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject(flag('sub', 'dev-user'))
  .setIssuedAt()
  .setExpirationTime(flag('expires', '1h'))
  .sign(new TextEncoder().encode(secret));
console.log(token);
