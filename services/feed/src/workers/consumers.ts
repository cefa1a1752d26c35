// The feed's Kafka consumers, as service workers: `post.created` -> fan-out, `post.deleted` ->
// removal. Both are @lab/outbox idempotent consumers (dedup row + handler in one transaction).
// Each has its own group: KafkaJS's assigner expects every member of a group to subscribe to the
// same topics. Both topics are ones the feed produces, so createService has already created them
// and waited until the broker serves every partition (ensureTopics) before any worker starts; the
// consumer's DLQ topic is created and waited for the same way by @lab/outbox.
import { decodeEvent, isEventContractError, postCreated, postDeleted } from '@lab/events';
import { type ConsumedEvent, consume, type RunningConsumer } from '@lab/outbox';
import type { Kafka, Logger, Registry, Worker } from '@lab/service-kit';
import { counter } from '@lab/service-kit';
import type pg from 'pg';
import { type FanoutDeps, fanOutPost, removeFannedOutPost } from './fanout.ts';

export type ConsumerDeps = {
  kafka: Kafka;
  pool: pg.Pool;
  logger: Logger;
  registry: Registry;
  fanout: FanoutDeps;
  topics: { postCreated: string; postDeleted: string };
  groupId: string;
  /** Called after a post was fanned out (live delivery). */
  afterFanout?: (authorId: string, entry: { id: string; score: number }, tx: pg.PoolClient) => Promise<void>;
};

/**
 * @lab/outbox retries every handler error and then dead-letters it; a payload that breaks its
 * contract will never pass, so retrying only delays the partition. Until the library can be told
 * "poison, dead-letter now", such an event is logged, counted and skipped here.
 */
function skippingContractViolations(
  deps: ConsumerDeps,
  handle: (event: ConsumedEvent, tx: pg.PoolClient) => Promise<void>,
) {
  const violations = counter(deps.registry, {
    name: 'feed_contract_violations_total',
    help: 'Consumed events that broke their contract and were skipped.',
    labelNames: ['topic'],
  });
  return async (event: ConsumedEvent, tx: pg.PoolClient) => {
    try {
      await handle(event, tx);
    } catch (error) {
      if (!isEventContractError(error)) throw error;
      violations.inc({ topic: event.topic === deps.topics.postCreated ? 'post.created' : 'post.deleted' });
      deps.logger.error({ err: error, eventId: event.eventId }, 'event breaks its contract; skipped');
    }
  };
}

export function fanoutWorkers(deps: ConsumerDeps): Worker[] {
  const running: RunningConsumer[] = [];
  const start = async (
    topic: string,
    groupId: string,
    handler: (event: ConsumedEvent, tx: pg.PoolClient) => Promise<void>,
  ) => {
    const consumer = await consume({
      kafka: deps.kafka,
      pool: deps.pool,
      topic,
      groupId,
      registry: deps.registry,
      maxAttempts: 10,
      handler: skippingContractViolations(deps, handler),
      onError: (error) => deps.logger.warn({ err: error, topic }, 'fan-out handler failed'),
    });
    running.push(consumer);
  };
  return [
    {
      name: 'fanout',
      start: async () => {
        await start(deps.topics.postCreated, deps.groupId, async (event, tx) => {
          const post = decodeEvent(postCreated, event);
          const { rows } = await tx.query<{ score: string }>(
            'SELECT score FROM posts WHERE id = $1 AND deleted_at IS NULL',
            [post.postId],
          );
          if (!rows[0]) return; // deleted before it was fanned out
          const entry = { id: post.postId, score: Number(rows[0].score) };
          await fanOutPost(deps.fanout, tx, post.authorId, entry);
          await deps.afterFanout?.(post.authorId, entry, tx);
        });
        await start(deps.topics.postDeleted, `${deps.groupId}.deletes`, async (event, tx) => {
          const post = decodeEvent(postDeleted, event);
          await removeFannedOutPost(deps.fanout, tx, post.authorId, post.postId);
        });
      },
      stop: async () => {
        await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
      },
    },
  ];
}
