// Test helpers: promises settled by hand, so concurrency is explicit instead of timed.
export type Deferred<T> = {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
};

export function deferred<T = void>(): Deferred<T> {
  const { promise, resolve, reject } = Promise.withResolvers<T>();
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run (several hops: async functions chain a few). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

export const ok = async () => 'ok';
export const boom = async () => {
  throw new Error('boom');
};
