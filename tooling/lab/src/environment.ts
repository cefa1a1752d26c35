// The addresses and secrets every lab service is started with: the dependencies as
// `infra/local` wrote them to `.lab/local.env`, Postgres, Redis and Kafka reached through
// Toxiproxy (so a user can cut or slow them and watch a pattern react), and one JWT secret kept
// across restarts so tokens minted with `npm run dev:token` keep working.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { parseEnv } from 'node:util';
import { signDevToken } from '@lab/service-kit';

export type Dependencies = {
  postgres: string;
  redis: string;
  kafkaBrokers: string;
  toxiproxy: string;
  /**
   * The broker's LAB listener (host:port it listens on) and the address it advertises there,
   * where the `lab-kafka` proxy listens (infra/local/kafka/server.properties says why).
   */
  kafkaLab: { listener: string; advertised: string };
};

/** The fault proxies the lab's services connect through: the names to use with Toxiproxy's API. */
export const LAB_PROXIES = {
  postgres: { name: 'lab-postgres', port: 15432 },
  redis: { name: 'lab-redis', port: 16379 },
  // Listens where the broker's LAB listener advertises (KAFKA_LAB_ADVERTISED, 9095 by default).
  kafka: { name: 'lab-kafka' },
} as const;

export type LabProxy = keyof typeof LAB_PROXIES;

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
    // Optional: a .lab/local.env written before the LAB listener existed lacks them.
    kafkaLab: {
      listener: env.KAFKA_LAB_LISTENER ?? '127.0.0.1:9094',
      advertised: env.KAFKA_LAB_ADVERTISED ?? '127.0.0.1:9095',
    },
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
    { name: LAB_PROXIES.kafka.name, listen: deps.kafkaLab.advertised, upstream: deps.kafkaLab.listener },
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

/**
 * The KAFKA_BROKERS the lab's services get: the proxied address when the broker has its LAB
 * listener, else the direct one, with the reason. A broker started before the listener was
 * added to server.properties keeps running without it until it is restarted; the lab still runs,
 * only `lab:fault -- kafka` has nothing to act on.
 */
export async function labKafkaBrokers(deps: Dependencies): Promise<{ brokers: string; note?: string }> {
  if (await answers(deps.kafkaLab.listener)) return { brokers: deps.kafkaLab.advertised };
  return {
    brokers: deps.kafkaBrokers,
    note: `the Kafka broker has no LAB listener on ${deps.kafkaLab.listener} (started before infra/local/kafka/server.properties had one), so services reach Kafka directly and \`lab:fault -- kafka\` cannot cut it; restart the broker (bash infra/local/stack.sh kafka-down && bash infra/local/stack.sh up) to route it through Toxiproxy`,
  };
}

function answers(address: string): Promise<boolean> {
  const at = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)) });
    socket.setTimeout(2_000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
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

/**
 * A bearer token the running lab's services accept, signed with the secret `npm start` keeps in
 * `.lab/lab.env`: the lab's own loads read as a signed-in user, as real reads do.
 */
export async function labToken(root: URL, sub: string): Promise<string> {
  const secret = parseEnv(readFileSync(new URL('.lab/lab.env', root), 'utf8')).JWT_SECRET;
  if (!secret) throw new Error('.lab/lab.env has no JWT_SECRET: is the lab started?');
  return signDevToken({ sub, tenant: 'lab', tier: 'enterprise', secret });
}
