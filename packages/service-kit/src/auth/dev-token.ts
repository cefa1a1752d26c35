// `npm run dev:token -- --sub alice --tenant acme --tier pro [--scope admin --scope service] [--expires 1h]`
// Prints a bearer token signed with JWT_SECRET (or the development default, with a warning on
// stderr so the token alone lands on stdout and can be captured: TOKEN=$(npm run -s dev:token)).
import { parseArgs } from 'node:util';
import { baseConfigSchema, DEV_JWT_SECRET } from '../config.ts';
import { SCOPE_CLAIM, signDevToken, TIERS, type Tier } from './jwt.ts';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const options = {
  sub: { type: 'string', default: process.env.DEV_TOKEN_SUB ?? 'dev-user' },
  tenant: { type: 'string', default: process.env.DEV_TOKEN_TENANT ?? 'dev-tenant' },
  tier: { type: 'string', default: process.env.DEV_TOKEN_TIER ?? 'free' },
  expires: { type: 'string', default: process.env.DEV_TOKEN_EXPIRES ?? '1h' },
  // Repeatable, and each value may hold several space-separated scopes: `--scope "admin service"`.
  scope: {
    type: 'string',
    multiple: true,
    default: process.env.DEV_TOKEN_SCOPE ? [process.env.DEV_TOKEN_SCOPE] : [],
  },
} as const;

// An unknown or malformed flag gets the same one-line treatment as a bad value.
const { values } = (() => {
  try {
    return parseArgs({ options });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
})();

if (!TIERS.includes(values.tier as Tier)) fail(`--tier must be one of ${TIERS.join(', ')}`);
const scope = values.scope
  .flatMap((value) => value.trim().split(/ +/))
  .filter(Boolean)
  .join(' ');
if (scope !== '' && !SCOPE_CLAIM.safeParse(scope).success) {
  fail(
    '--scope takes names of letters, digits, "_", ".", ":" or "-" (e.g. admin, service, rate-limiter:inline)',
  );
}

let secret = process.env.JWT_SECRET;
if (!secret) {
  secret = DEV_JWT_SECRET;
  console.error(`warning: JWT_SECRET is not set; signing with the development default "${DEV_JWT_SECRET}"`);
}
// The same rule the services apply at start-up: a token signed with a secret they would refuse
// to run with is useless, so say so here instead of at the first 401.
const secretCheck = baseConfigSchema.shape.JWT_SECRET.safeParse(secret);
if (!secretCheck.success) fail(`JWT_SECRET ${secretCheck.error.issues[0]?.message ?? 'is invalid'}`);

// A bad flag (`--expires soon`, an empty `--sub`) gets one line naming the problem, not a stack.
const token = await signDevToken({
  sub: values.sub,
  tenant: values.tenant,
  tier: values.tier as Tier,
  ...(scope !== '' ? { scope } : {}),
  expiresIn: values.expires,
  secret,
}).catch((error: unknown) =>
  fail(
    `cannot sign a token: ${error instanceof Error ? error.message : String(error)} (--expires takes e.g. 15m, 1h, 7d)`,
  ),
);
console.log(token);
