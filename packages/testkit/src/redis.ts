// Redis isolation by key prefix: one shared server, every test file in its own key space.
import { Redis } from 'ioredis';
import { testDependencies } from './dependencies.ts';
import { uniqueName } from './unique-name.ts';

export type TestRedis = {
  url: string;
  /** Prefix every key this test writes with it, e.g. `${prefix}user:1`. */
  prefix: string;
  /** Opens a new connection (each cache/limiter instance in a test gets its own). */
  connect(options?: { url?: string }): Redis;
  /** Deletes the prefix's keys and closes every connection opened through connect(). */
  cleanup(): Promise<void>;
};

export async function createTestRedis(label = 'test'): Promise<TestRedis> {
  const { redisUrl } = await testDependencies();
  const prefix = `${uniqueName(label)}:`;
  const opened: Redis[] = [];
  return {
    url: redisUrl,
    prefix,
    connect(options = {}) {
      const client = new Redis(options.url ?? redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false });
      // Tests cut Redis on purpose; the reconnect errors that follow are expected, and tests assert on
      // command results instead. Without a listener ioredis prints every one as "Unhandled error event".
      client.on('error', () => {});
      opened.push(client);
      return client;
    },
    async cleanup() {
      const admin = new Redis(redisUrl);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length > 0) await admin.unlink(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        admin.disconnect();
        for (const client of opened) client.disconnect();
      }
    },
  };
}
