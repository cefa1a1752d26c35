// Cross-instance L1 invalidation over Redis pub/sub. Each instance keeps its own L1, so a write
// on one instance must tell the others to drop their copies; Redis deletes the L2 copy and
// publishes in the same script. Pub/sub is at-most-once: a subscriber that was disconnected
// may have missed messages, so after every reconnect the instance clears its whole L1 (resync).
// Messages carry the sender's id; an instance skips its own (it already applied the change).
import type { Redis } from 'ioredis';

export type Invalidation =
  | { kind: 'keys'; keys: string[] }
  | { kind: 'namespace'; namespace: string }
  | { kind: 'tag'; tag: string };

type Wire = { o: string; k?: string[]; n?: string; g?: string };

export function encodeInvalidation(origin: string, message: Invalidation): string {
  const wire: Wire = { o: origin };
  if (message.kind === 'keys') wire.k = message.keys;
  else if (message.kind === 'namespace') wire.n = message.namespace;
  else wire.g = message.tag;
  return JSON.stringify(wire);
}

/** Undefined for anything malformed: a bad message is ignored, never trusted. */
export function decodeInvalidation(text: string): { origin: string; message: Invalidation } | undefined {
  let wire: unknown;
  try {
    wire = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof wire !== 'object' || wire === null) return undefined;
  const { o, k, n, g } = wire as Record<string, unknown>;
  if (typeof o !== 'string') return undefined;
  if (Array.isArray(k) && k.every((key) => typeof key === 'string')) {
    return { origin: o, message: { kind: 'keys', keys: k as string[] } };
  }
  if (typeof n === 'string') return { origin: o, message: { kind: 'namespace', namespace: n } };
  if (typeof g === 'string') return { origin: o, message: { kind: 'tag', tag: g } };
  return undefined;
}

export type InvalidationBus = {
  /** Resolves once the first SUBSCRIBE succeeded (messages published after that are seen). */
  ready: Promise<void>;
  close(): Promise<void>;
};

export function createInvalidationBus(options: {
  subscriber: Redis;
  /** True when the bus created the connection (duplicate()) and so must close it. */
  ownsSubscriber: boolean;
  channel: string;
  origin: string;
  onInvalidation: (message: Invalidation) => void;
  /** Called after a reconnect: messages may have been lost while disconnected. */
  onResync: () => void;
}): InvalidationBus {
  const { subscriber, channel, origin } = options;
  let connectedBefore = false;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const onMessage = (from: string, text: string) => {
    if (from !== channel) return;
    const decoded = decodeInvalidation(text);
    if (decoded && decoded.origin !== origin) options.onInvalidation(decoded.message);
  };
  const subscribe = () => {
    subscriber.subscribe(channel).then(
      () => {
        if (connectedBefore) options.onResync();
        connectedBefore = true;
        markReady();
      },
      // Not connected (yet): the next 'ready' subscribes again.
      () => {},
    );
  };
  // An 'error' listener keeps ioredis from printing every failed reconnect as unhandled.
  const onError = () => {};
  subscriber.on('message', onMessage);
  subscriber.on('ready', subscribe);
  subscriber.on('error', onError);
  if (subscriber.status === 'ready') subscribe();
  else if (subscriber.status === 'wait') subscriber.connect().catch(() => {});

  return {
    ready,
    async close() {
      subscriber.off('message', onMessage);
      subscriber.off('ready', subscribe);
      if (options.ownsSubscriber) {
        subscriber.disconnect();
      } else {
        subscriber.off('error', onError);
        await subscriber.unsubscribe(channel).catch(() => {});
      }
    },
  };
}
