// The addresses and secrets every lab service is started with: the dependencies as
// `infra/local` wrote them to `.lab/local.env`, Postgres and Redis reached through Toxiproxy (so a
// user can cut or slow them and watch a pattern react), and one JWT secret kept across restarts
// so tokens minted with `npm run dev:token` keep working.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

export type Dependencies = { postgres: string; redis: string; kafkaBrokers: string; toxiproxy: string };

/** The fault proxies the lab's services connect through: the names to use with Toxiproxy's API. */
export const LAB_PROXIES = {
  postgres: { name: 'lab-postgres', port: 15432 },
  redis: { name: 'lab-redis', port: 16379 },
};

export function readDependencies(envFile: URL): Dependencies {
  if (!existsSync(envFile)) throw new Error(`${envFile.pathname} is missing: infra/local did not come up`);
  const env = parseEnv(readFileSync(envFile, 'utf8'));
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`${envFile.pathname} has no ${name}`);
    return value;
  };
  return {
    postgres: need('DATABASE_URL'),
    redis: need('REDIS_URL'),
    kafkaBrokers: need('KAFKA_BROKERS'),
    toxiproxy: need('TOXIPROXY_URL'),
  };
}

/** Creates (or resets) the lab's proxies in one idempotent call to Toxiproxy's /populate. */
export async function populateProxies(deps: Dependencies): Promise<void> {
  const upstreamOf = (url: string) => new URL(url).host;
  const proxies = [
    {
      name: LAB_PROXIES.postgres.name,
      listen: `127.0.0.1:${LAB_PROXIES.postgres.port}`,
      upstream: upstreamOf(deps.postgres),
    },
    {
      name: LAB_PROXIES.redis.name,
      listen: `127.0.0.1:${LAB_PROXIES.redis.port}`,
      upstream: upstreamOf(deps.redis),
    },
  ];
  const response = await fetch(`${deps.toxiproxy}/populate`, {
    method: 'POST',
    body: JSON.stringify(proxies),
  });
  if (!response.ok)
    throw new Error(`toxiproxy /populate answered ${response.status}: ${await response.text()}`);
}

/** Postgres database `database` as the services see it: through the lab's fault proxy. */
export function proxiedDatabaseUrl(deps: Dependencies, database: string): string {
  const url = new URL(deps.postgres);
  url.host = `127.0.0.1:${LAB_PROXIES.postgres.port}`;
  url.pathname = `/${database}`;
  return url.toString();
}

export function proxiedRedisUrl(): string {
  return `redis://127.0.0.1:${LAB_PROXIES.redis.port}`;
}

/** The lab's JWT secret: made once, then read from `.lab/lab.env` (which `dev:token` also loads). */
export function labSecret(file: URL): string {
  if (existsSync(file)) {
    const secret = parseEnv(readFileSync(file, 'utf8')).JWT_SECRET;
    if (secret && secret.length >= 32) return secret;
  }
  const secret = randomBytes(32).toString('hex');
  writeFileSync(
    file,
    `# Written by npm start: the secret the lab's services verify tokens with.\nJWT_SECRET=${secret}\n`,
    {
      mode: 0o600,
    },
  );
  return secret;
}
