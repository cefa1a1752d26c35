// A click window (domain/click-window.ts) as url.clicked v3 messages, built when the window is
// sent, off the redirect's path. Each message holds at most 1,000 rollups, 20,000 visitor ids and
// ~900 KB, so it fits Kafka's default 1 MB message; a link whose visitors do not fit in one
// message continues in the next as a rollup of visitors only (clicks: 0).
//
// This is where the per-visitor work happens, once per distinct visitor of each link in the
// window: the keyed id, for all of the window's visitors in one cipher call. Contract validation
// and the JSON encoding are paid per message.
import { randomUUID } from 'node:crypto';
import {
  type ContractMessage,
  MAX_ROLLUPS_PER_BATCH,
  MAX_VISITORS_PER_BATCH,
  type PayloadOf,
  toKafkaMessage,
  USER_AGENT_FAMILIES,
  urlClicked,
} from '@lab/events';
import { formatTraceparent } from '@lab/outbox';
import { visitorIds } from '../domain/click-fields.ts';
import { type ClickWindow, isoDay, type Rollup } from '../domain/click-window.ts';

/** Largest encoded batch: under Kafka's default message.max.bytes (1,048,588) with room to spare. */
export const MAX_BATCH_BYTES = 900_000;

/** A batch ready to send; its message (and so its batch id) is reused when the send is retried. */
export type ClickBatch = { message: ContractMessage; clicks: number };

type RollupPayload = PayloadOf<typeof urlClicked>['rollups'][number];

// A visitor id in the JSON: 16 hex characters, two quotes and a comma.
const VISITOR_BYTES = 19;
// The envelope ({"batchId":...,"rollups":[]}), the headers and Kafka's record framing, generously.
const ENVELOPE_BYTES = 1_024;

/** The rollup without its visitors, as the contract writes it. */
function rollupHead(rollup: Rollup): RollupPayload {
  return {
    code: rollup.code,
    day: isoDay(rollup.day),
    clicks: rollup.clicks,
    referrers: [...rollup.referrers].map(([host, clicks]) => ({ host, clicks })),
    agents: rollup.agents.flatMap((clicks, i) =>
      clicks > 0
        ? [{ family: USER_AGENT_FAMILIES[i] as RollupPayload['agents'][number]['family'], clicks }]
        : [],
    ),
    visitors: [],
    traced: rollup.traced.map(({ ordinal, spanContext }) => ({
      ordinal,
      traceparent: formatTraceparent(spanContext),
    })),
  };
}

/** Fills messages up to the bounds, in order; splits a rollup's visitors when they do not fit. */
class BatchPacker {
  readonly batches: ClickBatch[] = [];
  private rollups: RollupPayload[] = [];
  private visitors = 0;
  private bytes = ENVELOPE_BYTES;
  private clicks = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  add(head: RollupPayload, visitorIds: readonly string[]): void {
    let part = head;
    let from = 0;
    for (;;) {
      // Byte length equals string length: every field is ASCII (codes, hosts in punycode, hex).
      const fixed = JSON.stringify(part).length + 1;
      const roomInBytes = Math.floor((this.maxBytes - this.bytes - fixed) / VISITOR_BYTES);
      const room = Math.min(MAX_VISITORS_PER_BATCH - this.visitors, roomInBytes);
      const full = this.rollups.length >= MAX_ROLLUPS_PER_BATCH || roomInBytes < 0;
      if (this.rollups.length > 0 && (full || (room <= 0 && from < visitorIds.length))) {
        this.close();
        continue;
      }
      const take = visitorIds.slice(from, from + Math.max(room, 0));
      this.rollups.push({ ...part, visitors: take });
      this.visitors += take.length;
      this.bytes += fixed + take.length * VISITOR_BYTES;
      this.clicks += part.clicks;
      from += take.length;
      if (from >= visitorIds.length) return;
      part = {
        code: part.code,
        day: part.day,
        clicks: 0,
        referrers: [],
        agents: [],
        visitors: [],
        traced: [],
      };
    }
  }

  close(): void {
    if (this.rollups.length === 0) return;
    const batchId = randomUUID();
    // Validated against the contract here, once per message: throws EventContractError.
    const message = toKafkaMessage(urlClicked, { batchId, rollups: this.rollups }, { eventId: batchId });
    this.batches.push({ message, clicks: this.clicks });
    this.rollups = [];
    this.visitors = 0;
    this.bytes = ENVELOPE_BYTES;
    this.clicks = 0;
  }
}

/** The window's url.clicked messages, with each visitor's id keyed by `visitorKey`. */
export function clickBatches(
  window: ClickWindow,
  visitorKey: string,
  maxBytes = MAX_BATCH_BYTES,
): ClickBatch[] {
  const packer = new BatchPacker(maxBytes);
  const rollups = [...window.rollups.values()];
  // A visitor of several links is in several rollups and gets its id once per rollup: cheaper
  // than a map from visitor to id as large as the window's visitors.
  const ids = visitorIds(
    visitorKey,
    rollups.flatMap((rollup) => [...rollup.visitors]),
  );
  let from = 0;
  for (const rollup of rollups) {
    packer.add(rollupHead(rollup), ids.slice(from, from + rollup.visitors.size));
    from += rollup.visitors.size;
  }
  packer.close();
  return packer.batches;
}
