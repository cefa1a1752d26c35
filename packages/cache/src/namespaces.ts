// Namespaces by versioned keys: a namespace's keys embed its current version (n:<ns>:<v>:<key>),
// so bumping the version in Redis (INCR) drops the whole group at once without scanning Redis;
// the old keys are orphaned and expire on their own. Each instance memoizes versions (an extra
// Redis GET per read would halve L1's value) and forgets one when a bump is announced on the bus.
import { LRUCache } from 'lru-cache';
import type { L2Store } from './l2-store.ts';

export type Namespaces = {
  /** The version to build keys with; never throws (Redis down: a local "offline" version). */
  version(namespace: string): number | string | Promise<number | string>;
  /** Bumps the version; false when Redis could not be reached (only this instance moved on). */
  bump(namespace: string, message: string): Promise<boolean>;
  /** Another instance bumped it (or we may have missed bumps): re-read from Redis next time. */
  forget(namespace?: string): void;
};

export function createNamespaces(store: L2Store | undefined, onError: (op: string) => void): Namespaces {
  const versions = new LRUCache<string, number>({ max: 10_000 });
  const reading = new Map<string, Promise<number | string>>();
  // Bumped on every change we hear of, so a read that started before a bump does not memoize
  // the old version after it.
  let epoch = 0;
  // While Redis cannot be read, keys use an "offline" version local to this process; a local bump
  // during that time moves to a new offline version, so it still drops this process's L1 copies.
  let offline = 0;

  const read = (namespace: string, l2: L2Store): Promise<number | string> => {
    const startedIn = epoch;
    const pending = l2.namespaceVersion(namespace).then(
      (version) => {
        if (epoch === startedIn) versions.set(namespace, version);
        return version;
      },
      () => {
        onError('namespace');
        return `offline${offline}`;
      },
    );
    const shared = pending.finally(() => reading.delete(namespace));
    reading.set(namespace, shared);
    return shared;
  };

  return {
    version(namespace) {
      const known = versions.get(namespace);
      if (known !== undefined) return known;
      if (!store) {
        versions.set(namespace, 0);
        return 0;
      }
      return reading.get(namespace) ?? read(namespace, store);
    },
    async bump(namespace, message) {
      epoch += 1;
      if (!store) {
        versions.set(namespace, (versions.get(namespace) ?? 0) + 1);
        return true;
      }
      try {
        versions.set(namespace, await store.bumpNamespace(namespace, message));
        return true;
      } catch {
        onError('namespace');
        versions.delete(namespace);
        offline += 1;
        return false;
      }
    },
    forget(namespace) {
      epoch += 1;
      if (namespace === undefined) versions.clear();
      else versions.delete(namespace);
    },
  };
}
