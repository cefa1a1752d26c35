// Decides where a test's real dependencies come from. Pure, so the decision is unit-tested
// on machines where no Docker engine runs (CI here).
//
// Order: URLs in the environment (a developer or CI started `npm run infra:local -- up`, which
// writes .lab/local.env that `npm test` loads) -> testcontainers when a Docker engine answers
// -> a clear error that names the command that starts the local stack.

export type DependencyUrls = {
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  toxiproxyUrl: string;
};

export type DependencySource =
  | { kind: 'environment'; urls: DependencyUrls }
  | { kind: 'testcontainers' }
  | { kind: 'unavailable'; message: string };

const REQUIRED = ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'TOXIPROXY_URL'] as const;

export const START_LOCAL_STACK_HINT =
  'Start the real dependencies with `npm run infra:local -- up` (no Docker needed), ' +
  'or start a Docker engine so testcontainers can run them.';

export function chooseDependencySource(
  env: Record<string, string | undefined>,
  dockerAnswers: boolean,
): DependencySource {
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length === 0) {
    return {
      kind: 'environment',
      urls: {
        databaseUrl: env.DATABASE_URL as string,
        redisUrl: env.REDIS_URL as string,
        kafkaBrokers: (env.KAFKA_BROKERS as string).split(',').map((broker) => broker.trim()),
        toxiproxyUrl: env.TOXIPROXY_URL as string,
      },
    };
  }
  if (dockerAnswers) return { kind: 'testcontainers' };
  return {
    kind: 'unavailable',
    message: `Real dependencies are not configured (missing ${missing.join(', ')}) and no Docker engine answers. ${START_LOCAL_STACK_HINT}`,
  };
}
