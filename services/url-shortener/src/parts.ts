// The service's own objects, built once from service-kit's connected clients (createService's
// `setup`): the link cache, the code generator, the click publisher, the rate limiter and the
// redirect handlers. Routes and workers share what this returns.
import { createRateLimiter } from '@lab/ratelimit';
import type { ServiceDeps } from '@lab/service-kit';
import { createClickPublisher } from './adapters/click-publisher.ts';
import { createCodeGenerator } from './adapters/code-generator.ts';
import { createLinkCache } from './adapters/link-cache.ts';
import { createUniqueVisitors } from './adapters/unique-visitors.ts';
import type { Config } from './config.ts';
import { redirectHandler } from './http/redirect.ts';
import { redirectObserver } from './http/redirect-observability.ts';
import { notTracedHere, redirectTracer } from './http/redirect-tracing.ts';
import { topicsFor } from './topics.ts';

export function buildParts(deps: ServiceDeps<Config>) {
  const { config, pg, redis, kafka, registry, logger } = deps;
  if (!pg || !redis || !kafka) throw new Error('url-shortener needs Postgres, Redis and Kafka');
  const prefix = config.REDIS_KEY_PREFIX;
  const topics = topicsFor(config.KAFKA_TOPIC_PREFIX);
  const links = createLinkCache({
    pool: pg,
    redis,
    keyPrefix: `${prefix}links:`,
    ttlMs: config.LINK_CACHE_TTL_MS,
    negativeTtlMs: config.LINK_NEGATIVE_TTL_MS,
    l1MaxEntries: config.LINK_L1_MAX_ENTRIES,
    l1: config.LINK_CACHE_L1,
    registry,
  });
  const clicks = createClickPublisher({
    kafka,
    topic: topics.clicked,
    visitorKey: config.VISITOR_KEY,
    flushMs: config.CLICK_FLUSH_MS,
    maxLinks: config.CLICK_MAX_LINKS,
    maxVisitors: config.CLICK_MAX_VISITORS,
    sendTimeoutMs: config.CLICK_SEND_TIMEOUT_MS,
    registry,
    onError: (error) => logger.warn({ err: error }, 'click batch not sent'),
  });
  const redirectDeps = {
    lookup: links.lookup,
    lookupInMemory: links.lookupInMemory,
    recordClick: clicks.record,
    logger,
    trustProxy: config.TRUST_PROXY,
  };
  return {
    pool: pg,
    kafka,
    topics,
    links,
    clicks,
    visitors: createUniqueVisitors(redis, prefix, registry),
    limiter: createRateLimiter({ redis, name: 'url-shortener', prefix: `${prefix}rl:`, registry }),
    generator: createCodeGenerator(config.CODE_GENERATOR, {
      pool: pg,
      key: config.CODE_KEY,
      workerId: config.SNOWFLAKE_WORKER_ID,
    }),
    // The fast path observes and traces itself; through express, service-kit's middleware and the
    // HTTP instrumentation already do.
    fastRedirect: redirectHandler({
      ...redirectDeps,
      observe: redirectObserver(registry, logger, config.REDIRECT_LOG_SAMPLE),
      trace: redirectTracer({
        perSecond: config.REDIRECT_TRACES_PER_SECOND,
        ratio: config.REDIRECT_TRACE_RATIO,
      }),
    }),
    expressRedirect: redirectHandler({ ...redirectDeps, observe: () => {}, trace: notTracedHere }),
  };
}

export type Parts = ReturnType<typeof buildParts>;
