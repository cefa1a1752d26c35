// A delivery job, the value of a `notify.<channel>.<priority>` message: which message, which
// attempt. The message's text and address stay in Postgres, so neither the Kafka log, the
// scheduler nor a dead-letter topic holds personal data or a template's output.
export type DeliveryJob = { messageId: string; attempt: number };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The job in a message value, or undefined for anything else (it is dead-lettered). */
export function parseJob(value: string): DeliveryJob | undefined {
  try {
    const job = JSON.parse(value) as Partial<DeliveryJob>;
    if (
      typeof job.messageId === 'string' &&
      UUID.test(job.messageId) &&
      Number.isInteger(job.attempt) &&
      (job.attempt as number) >= 1
    ) {
      return { messageId: job.messageId, attempt: job.attempt as number };
    }
  } catch {
    // not JSON: undefined below
  }
  return undefined;
}
