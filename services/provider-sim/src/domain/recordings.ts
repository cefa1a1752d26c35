// What provider-sim received, in arrival order, deduplicated by (provider, idempotency key) the
// way a real provider deduplicates an API call retried with the same key. The notifications
// service sends its message id as that key, so a send repeated after a crash (provider accepted,
// the status commit never happened) is recognised here and not delivered twice.
//
// Memory is bounded: past `maxRecords` the oldest recording and its dedup entry are dropped.
// The trade-off is a dedup window (the last `maxRecords` messages), as real providers keep keys
// for a limited time (24 h is common); a retry older than the window would be sent again.
import type { Channel, ProviderName } from './providers.ts';

export type Received = {
  /** Arrival order across all providers, from 1. */
  seq: number;
  provider: ProviderName;
  channel: Channel;
  messageId: string;
  to: string;
  subject?: string;
  body: string;
  /** W3C trace context the caller sent, so a test can follow one trace to here. */
  traceparent?: string;
  receivedAt: string;
};

export type Accepted = { duplicate: boolean; record: Received };

export type ListQuery = {
  provider?: ProviderName;
  channel?: Channel;
  messageId?: string;
  /** Only records with seq greater than this (the cursor). */
  after?: number;
  limit: number;
};

export class Recordings {
  private readonly bySeq = new Map<number, Received>();
  private readonly byKey = new Map<string, Received>();
  private nextSeq = 1;
  private readonly maxRecords: number;

  constructor(maxRecords: number) {
    this.maxRecords = maxRecords;
  }

  accept(input: Omit<Received, 'seq' | 'receivedAt'>, now = new Date()): Accepted {
    const key = `${input.provider}\u0000${input.messageId}`;
    const seen = this.byKey.get(key);
    if (seen) return { duplicate: true, record: seen };
    const record: Received = { ...input, seq: this.nextSeq, receivedAt: now.toISOString() };
    this.nextSeq += 1;
    this.bySeq.set(record.seq, record);
    this.byKey.set(key, record);
    if (this.bySeq.size > this.maxRecords) this.evictOldest();
    return { duplicate: false, record };
  }

  /** One page in arrival order. Scans from the start: fine for a test double's volumes. */
  list(query: ListQuery): Received[] {
    const page: Received[] = [];
    for (const record of this.bySeq.values()) {
      if (query.after !== undefined && record.seq <= query.after) continue;
      if (query.provider && record.provider !== query.provider) continue;
      if (query.channel && record.channel !== query.channel) continue;
      if (query.messageId && record.messageId !== query.messageId) continue;
      page.push(record);
      if (page.length >= query.limit) break;
    }
    return page;
  }

  get size(): number {
    return this.bySeq.size;
  }

  clear(): void {
    this.bySeq.clear();
    this.byKey.clear();
  }

  private evictOldest(): void {
    const oldest = this.bySeq.values().next().value;
    if (!oldest) return;
    this.bySeq.delete(oldest.seq);
    this.byKey.delete(`${oldest.provider}\u0000${oldest.messageId}`);
  }
}
