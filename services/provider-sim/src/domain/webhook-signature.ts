// How provider-sim signs a webhook, in the style of Stripe's `Stripe-Signature`: the header
// `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. Signing the
// timestamp with the body lets the receiver refuse a replayed old request, not just a forged one.
// The body is sent and signed in canonical JSON (sorted keys, no whitespace), so a receiver that
// only has the parsed body (service-kit parses before the handlers run) can rebuild the exact bytes.
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-signature';

export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
