// The SMS and push providers' send endpoints, shaped like Twilio's or FCM's: an API key as bearer,
// the caller's Idempotency-Key (required: it is how a retried send is recognised), 202 once
// accepted. A temporary error or an outage is 503 with Retry-After; a request that the provider
// "times out" is held until the caller gives up (or 504 after the hold).
import { timingSafeEqual } from 'node:crypto';
import { bearerToken, HttpError } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type { Simulator } from '../adapters/simulator.ts';
import type { ProviderName } from '../domain/providers.ts';
import { idempotencyKey, pushBody, smsBody } from './schemas.ts';

export function requireApiKey(apiKey: string): RequestHandler {
  const expected = Buffer.from(apiKey);
  return (req, res, next) => {
    const given = Buffer.from(bearerToken(req.headers.authorization) ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new HttpError(401, 'UNAUTHENTICATED', 'A valid provider API key is required.');
    }
    next();
  };
}

function providerFor(channel: 'sms' | 'push', name: unknown): ProviderName {
  if (name !== `${channel}-primary` && name !== `${channel}-secondary`) {
    throw new HttpError(
      404,
      'PROVIDER_NOT_FOUND',
      `There is no ${channel} provider named "${String(name)}".`,
    );
  }
  return name as ProviderName;
}

function keyOf(header: string | undefined): string {
  const parsed = idempotencyKey.safeParse(header);
  if (!parsed.success) {
    throw new HttpError(
      400,
      'IDEMPOTENCY_KEY_REQUIRED',
      'Idempotency-Key (1-255 printable ASCII) is required.',
    );
  }
  return parsed.data;
}

export function sendHandler(channel: 'sms' | 'push', simulator: Simulator): RequestHandler {
  return async (req, res) => {
    const provider = providerFor(channel, req.params.provider);
    const messageId = keyOf(req.header('idempotency-key'));
    const message =
      channel === 'sms'
        ? (({ to, body }) => ({ to, body }))(smsBody.parse(req.body))
        : (({ token, title, body }) => ({ to: token, subject: title, body }))(pushBody.parse(req.body));
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const traceparent = req.header('traceparent');
    const result = await simulator.receive(
      provider,
      { messageId, ...message, ...(traceparent ? { traceparent } : {}) },
      gone.signal,
    );
    if (result.outcome === 'accept') {
      res.status(202).json({ id: messageId, provider, seq: result.record.seq, duplicate: result.duplicate });
      return;
    }
    if (result.outcome === 'timeout') throw new HttpError(504, 'PROVIDER_TIMEOUT', 'The provider timed out.');
    res.setHeader('Retry-After', '1');
    throw new HttpError(
      503,
      result.outcome === 'outage' ? 'PROVIDER_OUTAGE' : 'PROVIDER_ERROR',
      'The provider cannot take the message now; try again later.',
    );
  };
}
