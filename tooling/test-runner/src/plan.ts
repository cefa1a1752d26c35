// The decisions `npm test` makes before running anything, as pure functions (unit-tested on a
// machine without Docker): where the real dependencies come from, and which arguments node's test
// runner gets. cli.ts carries them out.
//
// Where the dependencies come from, first match wins:
//   1. all four URLs in the environment: the caller chose; start nothing;
//   2. .lab/local.env exists: the local stack was chosen before (`up` writes the file, `down`
//      removes it); `up` again, which costs under a second when everything runs and restarts
//      what a reboot stopped;
//   3. a Docker engine answers: testcontainers, started by @lab/testkit inside the test processes;
//   4. nothing: start the local stack (infra/local/stack.sh up), which installs what is missing.
import { chooseDependencySource } from '@lab/testkit';

export type DependencyPlan =
  | { kind: 'environment'; why: string }
  | { kind: 'testcontainers'; why: string }
  | { kind: 'local-stack'; why: string };

export async function planDependencies(input: {
  env: Record<string, string | undefined>;
  localStackEnvFileExists: boolean;
  /** Asked only when steps 1 and 2 do not decide (probing Docker can take a second). */
  dockerAnswers: () => Promise<boolean>;
}): Promise<DependencyPlan> {
  if (chooseDependencySource(input.env, false).kind === 'environment') {
    return { kind: 'environment', why: 'DATABASE_URL, REDIS_URL, KAFKA_BROKERS and TOXIPROXY_URL are set' };
  }
  if (input.localStackEnvFileExists) {
    return { kind: 'local-stack', why: '.lab/local.env exists: the local stack is in use' };
  }
  if (await input.dockerAnswers()) {
    return { kind: 'testcontainers', why: 'no dependency URLs are set and a Docker engine answers' };
  }
  return { kind: 'local-stack', why: 'no dependency URLs are set and no Docker engine answers' };
}

/** Every test file of every workspace; `npm test -- <files>` narrows it. */
export const DEFAULT_TEST_FILES = [
  'packages/*/test/**/*.test.ts',
  'services/*/test/**/*.test.ts',
  'tooling/*/test/**/*.test.ts',
  'experiments/test/**/*.test.ts',
];

/**
 * node --test arguments. Three files at a time: integration tests each hold connections and
 * consumers, and the lab's machines have two cores. A file gets 180 s, a bound for the slowest
 * integration file, not a timing claim. Arguments after `npm test --` are passed on: options
 * (write them as --name=value) are added, and file paths replace the default globs.
 */
export function testRunnerArgs(extra: readonly string[]): string[] {
  const options = extra.filter((arg) => arg.startsWith('-'));
  const files = extra.filter((arg) => !arg.startsWith('-'));
  return [
    '--test',
    '--test-concurrency=3',
    '--test-timeout=180000',
    ...options,
    ...(files.length > 0 ? files : DEFAULT_TEST_FILES),
  ];
}

/**
 * The test processes' environment: the caller's variables win over the local stack's file, so
 * one URL can be pointed elsewhere without editing the file.
 */
export function testEnvironment(
  env: Record<string, string | undefined>,
  localStackEnv: Record<string, string | undefined> | undefined,
): Record<string, string | undefined> {
  return { ...localStackEnv, ...env };
}
