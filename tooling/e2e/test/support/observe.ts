// What the cross-service tests send and read: JSON calls to a service, a W3C traceparent of a
// trace the test chooses, provider-sim's recordings, and "the pipeline has drained" (the
// producer's outbox row published, the notification request settled at the notifications service).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { waitUntil } from '@lab/testkit';
import type pg from 'pg';
import type { System } from './system.ts';

export type Reply = { status: number; body: unknown; headers: Headers };

export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {}
  return { status: res.status, body, headers: res.headers };
}

/** Fails with the reply in the message, so a refused set-up call says why. */
export async function expectStatus(reply: Promise<Reply>, status: number): Promise<Reply> {
  const answered = await reply;
  assert.equal(answered.status, status, `unexpected reply: ${JSON.stringify(answered.body)}`);
  return answered;
}

/** A fresh sampled trace: its id and the traceparent that starts it. */
export function newTrace(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent?.split('-')[1];
}

export type Receipt = { channel: string; to: string; messageId: string; traceparent?: string };

/** Every message provider-sim recorded on `channel` for `to` (its recordings are this run's only). */
export async function receiptsFor(system: System, channel: 'email' | 'push', to: string): Promise<Receipt[]> {
  const token = await system.token('e2e-admin', 'admin');
  const found: Receipt[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `channel=${channel}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`;
    const reply = await expectStatus(
      call(system.providerSim.base, 'GET', `/v1/messages?${query}`, { token }),
      200,
    );
    const page = reply.body as { items: Receipt[]; next_cursor: string | null };
    found.push(...page.items.filter((item) => item.to === to));
    cursor = page.next_cursor;
  } while (cursor);
  return found;
}

/** The producer's notification.requested outbox rows: request id, stored traceparent, published. */
export async function notificationRows(
  pool: pg.Pool,
): Promise<{ requestId: string; traceparent: string | undefined; published: boolean }[]> {
  const { rows } = await pool.query<{ request_id: string; traceparent: string | null; published: boolean }>(
    `SELECT payload->>'requestId' AS request_id, headers->>'traceparent' AS traceparent,
            published_at IS NOT NULL AS published
       FROM outbox WHERE topic LIKE '%notification.requested' ORDER BY id`,
  );
  return rows.map((row) => ({
    requestId: row.request_id,
    traceparent: row.traceparent ?? undefined,
    published: row.published,
  }));
}

/**
 * Waits until the pipeline behind one request has drained: the producer's outbox row is
 * published and every message of the request has left `queued` at the notifications service.
 * Returns the final status counts.
 */
export async function waitForDrain(system: System, producer: pg.Pool, requestId: string) {
  const token = await system.token('e2e-admin', 'admin');
  let counts: Record<string, number> = {};
  await waitUntil(
    async () => {
      const rows = await notificationRows(producer);
      if (!rows.every((row) => row.published)) return false;
      const reply = await call(system.notifications.base, 'GET', `/v1/notifications/${requestId}`, { token });
      if (reply.status !== 200) return false;
      counts = (reply.body as { counts: Record<string, number> }).counts;
      return Object.keys(counts).length > 0 && !('queued' in counts);
    },
    {
      timeoutMs: 60_000,
      intervalMs: 100,
      message: `request ${requestId} settled at the notifications service`,
    },
  );
  return counts;
}
