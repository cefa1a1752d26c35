// The live hub as a worker: connects the pub/sub subscriber before the server takes streams, ends
// open streams as soon as the service starts draining (so clients reconnect to another replica
// instead of holding the shutdown until its timeout), and closes the subscriber on stop.
import type { Health, Worker } from '@lab/service-kit';
import type { FeedParts } from '../setup.ts';

export function liveWorker({ parts, health }: { parts: FeedParts; health: Health }): Worker {
  let watch: NodeJS.Timeout | undefined;
  return {
    name: 'live-hub',
    start: async () => {
      if (parts.subscriber.status !== 'ready')
        await new Promise((resolve) => parts.subscriber.once('ready', resolve));
      watch = setInterval(() => {
        if (health.draining) parts.stream.closeAll();
      }, 100);
      watch.unref();
    },
    stop: async () => {
      clearInterval(watch);
      parts.stream.closeAll();
      parts.subscriber.disconnect();
    },
  };
}
