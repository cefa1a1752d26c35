// One place that resolves the real dependencies for the whole test process (memoized).
import { chooseDependencySource, type DependencyUrls } from './dependency-source.ts';

let resolved: Promise<DependencyUrls> | undefined;

export function testDependencies(): Promise<DependencyUrls> {
  resolved ??= resolve();
  return resolved;
}

async function resolve(): Promise<DependencyUrls> {
  // Only probe Docker when the environment does not already answer the question.
  const fromEnv = chooseDependencySource(process.env, false);
  if (fromEnv.kind === 'environment') return fromEnv.urls;
  const { dockerAnswers, startContainers } = await import('./containers.ts');
  const source = chooseDependencySource(process.env, await dockerAnswers());
  if (source.kind === 'unavailable') throw new Error(source.message);
  return startContainers();
}
