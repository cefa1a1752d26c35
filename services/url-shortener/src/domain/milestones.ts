// Click milestones: 100, 1,000, 10,000, ... (every power of ten from 100). When a link's total
// crosses one, its owner is told once. The request id is derived from (code, milestone), so
// however often the aggregator reprocesses the click that crossed it, the notifications service
// sees one request id and sends once.
import { createHash } from 'node:crypto';

export const FIRST_MILESTONE = 100;

/** Milestones m with before < m <= after (several when one batch jumps over more than one). */
export function milestonesCrossed(before: number, after: number): number[] {
  const crossed: number[] = [];
  for (let m = FIRST_MILESTONE; m <= after && m <= Number.MAX_SAFE_INTEGER; m *= 10) {
    if (m > before) crossed.push(m);
  }
  return crossed;
}

/**
 * A UUID (version 8: "custom", RFC 9562) from SHA-256 of the code and the milestone: the same
 * inputs give the same id on every instance and every redelivery, which is the dedupe key.
 */
export function milestoneRequestId(code: string, milestone: number): string {
  const bytes = createHash('sha256').update(`url-shortener:milestone:${code}:${milestone}`).digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80; // version 8
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
