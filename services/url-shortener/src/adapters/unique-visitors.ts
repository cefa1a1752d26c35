// Unique visitors per link as a Redis HyperLogLog: 12 KB per link at most, ~0.81 % standard error,
// and PFADD is idempotent (adding a visitor twice changes nothing), so a redelivered click cannot
// inflate the count. Best-effort: with Redis down the clicks are still counted in Postgres and the
// visitor estimate misses them (counted in url_unique_visitor_errors_total).
import { counter, type Redis, type Registry } from '@lab/service-kit';

export type UniqueVisitors = {
  /** One PFADD per code with all its visitor ids, pipelined: one round trip for a whole batch. */
  addMany(entries: readonly { code: string; visitors: readonly string[] }[]): Promise<void>;
  count(code: string): Promise<number | null>;
};

export function createUniqueVisitors(redis: Redis, prefix: string, registry: Registry): UniqueVisitors {
  const errors = counter(registry, {
    name: 'url_unique_visitor_errors_total',
    help: 'HyperLogLog updates or reads that failed (Redis unreachable).',
    labelNames: [],
  });
  const keyOf = (code: string) => `${prefix}uv:${code}`;
  return {
    async addMany(entries) {
      if (entries.length === 0) return;
      const pipeline = redis.pipeline();
      for (const { code, visitors } of entries) pipeline.pfadd(keyOf(code), ...visitors);
      try {
        const results = (await pipeline.exec()) ?? [];
        for (const [error] of results) if (error) errors.inc();
      } catch {
        errors.inc();
      }
    },
    async count(code) {
      try {
        return await redis.pfcount(keyOf(code));
      } catch {
        errors.inc();
        return null;
      }
    },
  };
}
