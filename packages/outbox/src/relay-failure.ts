// What a failed relay cycle means, decided from the error alone (plus a look at the broker's topic
// list for "unknown topic"). The relay acts on the decision; the policy for permanent failures
// (park or halt) is its business, not this module's.
//
//   retry      transient (Kafka down, a database error, a topic not yet missing for long enough):
//              roll back, back off, try the same rows again.
//   isolate    the broker refused a multi-row send as a whole with a permanent error: send those
//              rows one per request next time, to find the one it refuses.
//   permanent  the broker's final word on these rows: too large, invalid, or a topic that has
//              stayed absent for the grace period. One row per aggregate -- the first; the rest
//              of that aggregate waits behind it anyway.
import type { ParkedRow } from './dead-letters.ts';
import { isOutboxError, OutboxError, type OutboxRowRef } from './errors.ts';
import { createMissingTopicClock } from './missing-topics.ts';
import { brokerRefusal } from './send-errors.ts';

export type FailureDecision =
  | { kind: 'retry'; report: unknown }
  | { kind: 'isolate'; ids: string[]; report: unknown }
  | { kind: 'permanent'; rows: ParkedRow[]; report: unknown };

export type FailureJudgeOptions = {
  missingTopicGraceMs: number;
  /** Which of these topics the broker's metadata lists now (the admin API). */
  topicsPresent: (topics: readonly string[]) => Promise<ReadonlySet<string>>;
  now?: () => number;
};

export type FailureJudge = (error: unknown) => Promise<FailureDecision>;

export function createFailureJudge({
  missingTopicGraceMs,
  topicsPresent,
  now = Date.now,
}: FailureJudgeOptions): FailureJudge {
  const clock = createMissingTopicClock(missingTopicGraceMs);

  async function unknownTopic(error: OutboxError, rows: readonly OutboxRowRef[]): Promise<FailureDecision> {
    const topics = [...new Set(rows.map((row) => row.topic))];
    let present: ReadonlySet<string>;
    try {
      present = await topicsPresent(topics);
    } catch {
      return { kind: 'retry', report: error }; // the admin API is not answering either: transient
    }
    const at = now();
    const absentFor = new Map<string, number>();
    for (const topic of topics) {
      const ms = clock.observe(topic, present.has(topic), at);
      if (!present.has(topic)) absentFor.set(topic, ms);
    }
    // Listed, yet unknown to the producer: the broker's metadata is catching up. Transient.
    if (absentFor.size === 0) return { kind: 'retry', report: error };
    const missing = rows.filter((row) => clock.isMissing(row.topic, at));
    if (missing.length === 0) {
      const which = [...absentFor].map(([topic, ms]) => `"${topic}" (${ms} ms)`).join(', ');
      return {
        kind: 'retry',
        report: new OutboxError(
          'OUTBOX_TOPIC_MISSING',
          `topic ${which} absent from the broker's metadata; counted missing after ${missingTopicGraceMs} ms`,
          { cause: error, rows: rows.filter((row) => absentFor.has(row.topic)) },
        ),
      };
    }
    const parked = firstPerAggregate(missing).map((row) => ({
      row,
      code: 'OUTBOX_TOPIC_MISSING' as const,
      message: `topic "${row.topic}" absent from the broker's metadata for ${absentFor.get(row.topic)} ms`,
    }));
    return { kind: 'permanent', rows: parked, report: error };
  }

  return async (error) => {
    if (!isOutboxError(error, 'OUTBOX_SEND_FAILED') || !error.rows?.length)
      return { kind: 'retry', report: error };
    const rows = error.rows;
    const refusal = brokerRefusal(error.cause);
    if (refusal === 'unknown-topic') return unknownTopic(error, rows);
    if (refusal === undefined) return { kind: 'retry', report: error };
    if (rows.length > 1) return { kind: 'isolate', ids: rows.map((row) => row.id), report: error };
    const code = refusal === 'too-large' ? 'OUTBOX_EVENT_TOO_LARGE' : 'OUTBOX_EVENT_REJECTED';
    const message = (error.cause as Error)?.message ?? String(error.cause);
    return { kind: 'permanent', rows: [{ row: rows[0] as OutboxRowRef, code, message }], report: error };
  };
}

function firstPerAggregate(rows: readonly OutboxRowRef[]): OutboxRowRef[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const aggregate = `${row.aggregateType}\u0000${row.aggregateId}`;
    if (seen.has(aggregate)) return false;
    seen.add(aggregate);
    return true;
  });
}
