// One place that resolves the real dependencies for the whole test process (memoized).
import { chooseDependencySource, type DependencyUrls } from './dependency-source.ts';

let resolved: Promise<DependencyUrls> | undefined;

export function testDependencies(): Promise<DependencyUrls> {
  resolved ??= resolve();
  return resolved;
}

/**
 * Whether a Docker engine answers testcontainers. Loads testcontainers only when asked, so test
 * processes that take their URLs from the environment never pay for it.
 */
export async function dockerEngineAnswers(): Promise<boolean> {
  const { dockerAnswers } = await import('./containers.ts');
  return dockerAnswers();
}

async function resolve(): Promise<DependencyUrls> {
  // Only probe Docker when the environment does not already answer the question.
  const fromEnv = chooseDependencySource(process.env, false);
  if (fromEnv.kind === 'environment') return fromEnv.urls;
  const source = chooseDependencySource(process.env, await dockerEngineAnswers());
  if (source.kind === 'unavailable') throw new Error(source.message);
  const { startContainers } = await import('./containers.ts');
  return startContainers();
}
