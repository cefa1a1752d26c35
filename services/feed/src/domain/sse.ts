// Server-sent events framing and the ids that make resuming exact. A live event's SSE id is the
// Redis stream id it was stored under in the user's live log ("<ms>-<seq>", strictly increasing
// per user), not the post's score: fan-out can deliver an older post after a newer one, so
// "everything after the last id I saw" must mean delivery order, which only the log has.

const STREAM_ID = /^(\d{1,15})-(\d{1,15})$/;

export function isStreamId(text: string): boolean {
  return STREAM_ID.test(text);
}

/** Negative when a was written before b. */
export function compareStreamIds(a: string, b: string): number {
  const [, aMs, aSeq] = STREAM_ID.exec(a) ?? [];
  const [, bMs, bSeq] = STREAM_ID.exec(b) ?? [];
  return Number(aMs) - Number(bMs) || Number(aSeq) - Number(bSeq);
}

/** One event frame. `data` is JSON on one line, so no line of it can end the frame early. */
export function eventFrame(event: { id?: string; event: string; data: unknown }): string {
  const id = event.id === undefined ? '' : `id: ${event.id}\n`;
  return `${id}event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** A comment line: ignored by clients, but it keeps proxies from closing an idle stream. */
export const HEARTBEAT_FRAME = ': heartbeat\n\n';
