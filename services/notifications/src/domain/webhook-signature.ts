// Verifying a provider webhook: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>">`. The MAC proves the sender knows the shared secret; the signed timestamp, checked
// against a tolerance window, stops an attacker from replaying a captured request later (within
// the window the event id dedup stops it). Comparison is constant-time. Pure: `nowSeconds` is
// passed in.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Verdict = { ok: true } | { ok: false; reason: 'malformed' | 'bad_signature' | 'stale' };

export function verifySignature(
  header: string | undefined,
  body: string,
  secret: string,
  nowSeconds: number,
  toleranceSeconds: number,
): Verdict {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header?.trim() ?? '');
  if (!match) return { ok: false, reason: 'malformed' };
  const timestamp = Number(match[1]);
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  if (!timingSafeEqual(expected, Buffer.from(match[2] as string, 'hex')))
    return { ok: false, reason: 'bad_signature' };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'stale' };
  return { ok: true };
}
