// `npm run dev:token -- --sub alice --tenant acme --tier pro [--expires 1h]`
// Prints a bearer token signed with JWT_SECRET (or the development default, with a warning on
// stderr so the token alone lands on stdout and can be captured: TOKEN=$(npm run -s dev:token)).
import { parseArgs } from 'node:util';
import { DEV_JWT_SECRET } from '../config.ts';
import { signDevToken, TIERS, type Tier } from './jwt.ts';

const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: process.env.DEV_TOKEN_SUB ?? 'dev-user' },
    tenant: { type: 'string', default: process.env.DEV_TOKEN_TENANT ?? 'dev-tenant' },
    tier: { type: 'string', default: process.env.DEV_TOKEN_TIER ?? 'free' },
    expires: { type: 'string', default: process.env.DEV_TOKEN_EXPIRES ?? '1h' },
  },
});

if (!TIERS.includes(values.tier as Tier)) {
  console.error(`--tier must be one of ${TIERS.join(', ')}`);
  process.exit(2);
}

let secret = process.env.JWT_SECRET;
if (!secret) {
  secret = DEV_JWT_SECRET;
  console.error(`warning: JWT_SECRET is not set; signing with the development default "${DEV_JWT_SECRET}"`);
}

console.log(
  await signDevToken({
    sub: values.sub,
    tenant: values.tenant,
    tier: values.tier as Tier,
    expiresIn: values.expires,
    secret,
  }),
);
