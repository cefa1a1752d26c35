// The idempotent consumer's transaction: record a chunk of events in the processed-events table
// (primary key (group, event id)), run the handler for the ones that were new, commit. A redelivered
// event conflicts on the key and is counted as a duplicate; its handler does not run.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type pg from 'pg';
import type { ConsumedEvent, Item } from './consumed-event.ts';
import { isOutboxError, OutboxError } from './errors.ts';
import type { ConsumerOutcome } from './metrics.ts';
import { contextFromHeaders } from './trace-context.ts';

/**
 * A handler's failure (OUTBOX_HANDLER_FAILED): counts towards maxAttempts; anything else is
 * infrastructure and is retried. It takes the name and message of what the handler threw, so the
 * DLQ's `dlq-error-type` names the handler's own error, and keeps it as `cause`.
 */
export class HandlerError extends OutboxError {
  constructor(cause: unknown) {
    super('OUTBOX_HANDLER_FAILED', (cause as Error)?.message ?? String(cause), { cause });
    this.name = (cause as Error)?.name ?? 'HandlerError';
  }
}

// Records a chunk of events as processed; returns the ids that were new (the rest are duplicates).
const RECORD_PROCESSED = `
  INSERT INTO outbox_processed_events (group_id, event_id, topic, "partition", "offset")
  SELECT $1, event_id, $3, $4, "offset" FROM unnest($2::text[], $5::bigint[]) AS e(event_id, "offset")
  ON CONFLICT (group_id, event_id) DO NOTHING
  RETURNING event_id`;

export type ChunkResult =
  | { kind: 'committed' }
  | { kind: 'handler-failed'; index: number; error: HandlerError }
  | { kind: 'retry-alone' };

const tracer = trace.getTracer('@lab/outbox');

export type TransactionRunnerOptions = {
  pool: pg.Pool;
  groupId: string;
  handler: (event: ConsumedEvent, tx: pg.PoolClient) => Promise<void>;
  count: (outcome: ConsumerOutcome) => void;
  onError: (error: unknown) => void;
};

/** Returns run(items): one transaction for the chunk; how it ended says what the caller does next. */
export function createTransactionRunner({
  pool,
  groupId,
  handler,
  count,
  onError,
}: TransactionRunnerOptions) {
  // One transaction for a chunk of events: record them all, run the handler for the new ones, commit.
  async function run(items: readonly Item[]): Promise<ChunkResult> {
    let tx: pg.PoolClient;
    try {
      tx = await pool.connect();
    } catch (error) {
      onError(error);
      return { kind: 'retry-alone' };
    }
    let broken: Error | undefined;
    const outcomes: ConsumerOutcome[] = [];
    let failedAt = -1;
    try {
      await tx.query('BEGIN');
      const first = items[0] as Item;
      const recorded = await tx.query<{ event_id: string }>(RECORD_PROCESSED, [
        groupId,
        items.map((item) => item.event.eventId),
        first.event.topic,
        first.event.partition,
        items.map((item) => item.event.offset),
      ]);
      const fresh = new Set(recorded.rows.map((row) => row.event_id));
      for (const [index, item] of items.entries()) {
        // An id seen twice in one chunk (a republished batch) runs once: delete after the first.
        if (!fresh.delete(item.event.eventId)) {
          outcomes.push('duplicate');
          continue;
        }
        failedAt = index;
        await runHandler(item.event, tx);
        outcomes.push('processed');
      }
      // A handler that caught a failed statement leaves the transaction aborted, and COMMIT of an
      // aborted transaction silently rolls back (the command tag says ROLLBACK). Counting that as
      // committed would resolve the offset of an event whose effects and dedup row are gone: lost.
      const committed = await tx.query('COMMIT');
      if (committed.command !== 'COMMIT') {
        failedAt = -1; // which handler of the chunk swallowed the error is unknown: retry each alone
        const aborted = new Error('the handler left its transaction aborted; nothing was committed');
        aborted.name = 'TransactionAbortedError';
        throw new HandlerError(aborted);
      }
      for (const outcome of outcomes) count(outcome);
      return { kind: 'committed' };
    } catch (error) {
      await tx.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      onError(error);
      if (!isOutboxError(error, 'OUTBOX_HANDLER_FAILED')) return { kind: 'retry-alone' };
      count('failed');
      return { kind: 'handler-failed', index: failedAt, error: error as HandlerError };
    } finally {
      tx.release(broken);
    }
  }

  // The handler runs in the producer's trace context, under a consumer span.
  function runHandler(event: ConsumedEvent, tx: pg.PoolClient): Promise<void> {
    const parent = contextFromHeaders(event.headers);
    return context.with(parent, () =>
      tracer.startActiveSpan(
        `${event.topic} process`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.destination.name': event.topic,
            'messaging.consumer.group.name': groupId,
            'messaging.message.id': event.eventId,
          },
        },
        async (span) => {
          try {
            await handler(event, tx);
          } catch (error) {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR });
            throw new HandlerError(error);
          } finally {
            span.end();
          }
        },
      ),
    );
  }

  return run;
}
