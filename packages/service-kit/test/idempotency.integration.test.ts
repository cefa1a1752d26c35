// Idempotency-Key on the example app's creating POST, stored in a real Postgres.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { waitUntil } from '@lab/testkit';
import { IDEMPOTENCY_TABLE, purgeExpiredIdempotencyKeys, REPLAYED_HEADER } from '../src/index.ts';
import { ATOMIC_LATCH_KEY } from './fixtures/example-app.ts';
import { type Example, startExample, tokenFor } from './fixtures/harness.ts';

let example: Example;
let alice: string;
let bob: string;
before(async () => {
  // A short lease on /atomic-items only, so a retry can take an abandoned claim over quickly.
  example = await startExample('sk_idem', (base) => ({ ...base, EXAMPLE_IDEMPOTENCY_LEASE_MS: '300' }));
  alice = await tokenFor('alice');
  bob = await tokenFor('bob');
});
after(() => example?.close());

async function post(
  path: string,
  body: unknown,
  { key, token = alice }: { key?: string; token?: string } = {},
) {
  const response = await fetch(`${example.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(key ? { 'idempotency-key': key } : {}),
    },
  });
  return {
    status: response.status,
    replayed: response.headers.get(REPLAYED_HEADER) === 'true',
    location: response.headers.get('location'),
    retryAfter: response.headers.get('retry-after'),
    contentType: response.headers.get('content-type'),
    text: await response.text(),
  };
}

async function itemsNamed(name: string): Promise<number> {
  const { rows } = await example.db.pool.query('SELECT count(*)::int AS n FROM items WHERE name = $1', [
    name,
  ]);
  return rows[0].n;
}

describe('Idempotency-Key', () => {
  it('replays the stored response for a repeat, without running the handler again', async () => {
    const key = randomUUID();
    const first = await post('/v1/items', { name: 'repeat-me' }, { key });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.replayed, false);
    const second = await post('/v1/items', { name: 'repeat-me' }, { key });
    assert.equal(second.status, 201);
    assert.equal(second.replayed, true);
    assert.equal(second.text, first.text);
    assert.equal(second.location, first.location);
    assert.equal(second.contentType, first.contentType);
    assert.equal(await itemsNamed('repeat-me'), 1);
  });

  it('treats a reordered but equal JSON body as the same request', async () => {
    const key = randomUUID();
    await post('/v1/items', { name: 'reorder', delayMs: 0 }, { key });
    const again = await post('/v1/items', { delayMs: 0, name: 'reorder' }, { key });
    assert.equal(again.replayed, true);
  });

  it('rejects the same key with a different body as 422', async () => {
    const key = randomUUID();
    assert.equal((await post('/v1/items', { name: 'original' }, { key })).status, 201);
    const other = await post('/v1/items', { name: 'different' }, { key });
    assert.equal(other.status, 422);
    assert.equal(JSON.parse(other.text).code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(await itemsNamed('different'), 0);
  });

  it('scopes keys per authenticated subject', async () => {
    const key = randomUUID();
    assert.equal((await post('/v1/items', { name: 'scoped' }, { key, token: alice })).replayed, false);
    const forBob = await post('/v1/items', { name: 'scoped' }, { key, token: bob });
    assert.equal(forBob.status, 201);
    assert.equal(forBob.replayed, false);
    assert.equal(await itemsNamed('scoped'), 2);
  });

  it('runs the handler exactly once for 20 concurrent duplicates; the rest get 409 or the replay', async () => {
    const key = randomUUID();
    // Was a 300 ms handler: on a loaded machine the 20 requests could arrive spread over more than
    // that, and none overlap. 2 s is a window no healthy run misses.
    const results = await Promise.all(
      Array.from({ length: 20 }, () => post('/v1/items', { name: 'concurrent', delayMs: 2_000 }, { key })),
    );
    assert.equal(await itemsNamed('concurrent'), 1);
    const originals = results.filter((r) => r.status === 201 && !r.replayed);
    assert.equal(originals.length, 1);
    for (const r of results) {
      assert.ok(
        r.status === 409 || (r.status === 201 && r.text === originals[0]?.text),
        `${r.status} ${r.text}`,
      );
      if (r.status === 409) assert.equal(JSON.parse(r.text).code, 'IDEMPOTENCY_KEY_IN_FLIGHT');
    }
    assert.ok(
      results.some((r) => r.status === 409),
      'at least one duplicate overlapped the first request',
    );
  });

  it('answers 409 while the first request runs, and 422 if the in-flight key comes with another body', async () => {
    const key = randomUUID();
    // Was a 2 s handler: after the claim is seen, two more round trips must land inside it, which
    // a loaded machine could miss. 5 s is the example app's maximum and a wide margin.
    const first = post('/v1/items', { name: 'in-flight', delayMs: 5_000 }, { key });
    // Deterministic overlap: wait until the first request's claim is in the table.
    await waitUntil(
      async () =>
        (
          await example.db.pool.query(
            `SELECT 1 FROM ${IDEMPOTENCY_TABLE} WHERE key = $1 AND state = 'in_flight'`,
            [key],
          )
        ).rowCount === 1,
      { timeoutMs: 60_000, message: 'the first request to claim the key' },
    );
    const duplicate = await post('/v1/items', { name: 'in-flight', delayMs: 5_000 }, { key });
    assert.equal(duplicate.status, 409, duplicate.text);
    assert.equal(JSON.parse(duplicate.text).code, 'IDEMPOTENCY_KEY_IN_FLIGHT');
    assert.equal(duplicate.retryAfter, '1');
    const other = await post('/v1/items', { name: 'in-flight-other' }, { key });
    assert.equal(other.status, 422, other.text);
    assert.equal(JSON.parse(other.text).code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal((await first).status, 201);
    assert.equal(await itemsNamed('in-flight'), 1);
    assert.equal(await itemsNamed('in-flight-other'), 0);
  });

  it('releases the key after a 5xx so a retry runs again', async () => {
    const key = randomUUID();
    const failed = await post('/v1/flaky', { name: 'flaky-1' }, { key });
    assert.equal(failed.status, 500);
    const retried = await post('/v1/flaky', { name: 'flaky-1' }, { key });
    assert.equal(retried.status, 201);
    assert.equal(retried.replayed, false);
    assert.equal(JSON.parse(retried.text).attempt, 2);
    const replay = await post('/v1/flaky', { name: 'flaky-1' }, { key });
    assert.equal(replay.replayed, true);
    assert.equal(JSON.parse(replay.text).attempt, 2);
  });

  it('stores 4xx outcomes like successes', async () => {
    const key = randomUUID();
    assert.equal((await post('/v1/items', { name: '' }, { key })).status, 400);
    const again = await post('/v1/items', { name: '' }, { key });
    assert.equal(again.status, 400);
    assert.equal(again.replayed, true);
  });

  it('runs normally without a key and rejects a malformed key', async () => {
    assert.equal((await post('/v1/items', { name: 'no-key' })).status, 201);
    assert.equal((await post('/v1/items', { name: 'no-key' })).status, 201);
    assert.equal(await itemsNamed('no-key'), 2);
    assert.equal((await post('/v1/items', { name: 'max-key' }, { key: 'k'.repeat(255) })).status, 201);
    for (const key of ['k'.repeat(256), 'has space', 'tab\tkey', 'clé']) {
      const bad = await post('/v1/items', { name: 'bad-key' }, { key });
      assert.equal(bad.status, 400, `${JSON.stringify(key)}: ${bad.text}`);
      assert.match(bad.contentType ?? '', /^application\/problem\+json/);
      assert.equal(JSON.parse(bad.text).code, 'IDEMPOTENCY_KEY_INVALID');
    }
    assert.equal(await itemsNamed('bad-key'), 0);
  });

  it('rejects a missing key with 400 where the route requires one', async () => {
    const missing = await post('/v1/strict', {});
    assert.equal(missing.status, 400, missing.text);
    assert.equal(JSON.parse(missing.text).code, 'IDEMPOTENCY_KEY_REQUIRED');
    assert.equal((await post('/v1/strict', {}, { key: randomUUID() })).status, 201);
  });

  it('forgets records past their 24 h expiry: purged, and a late repeat runs again', async () => {
    const key = randomUUID();
    await post('/v1/items', { name: 'expiring' }, { key });
    const { rows } = await example.db.pool.query(
      `SELECT extract(epoch FROM expires_at - created_at)::int AS ttl_s FROM ${IDEMPOTENCY_TABLE} WHERE key = $1`,
      [key],
    );
    assert.equal(rows[0].ttl_s, 24 * 60 * 60);
    await example.db.pool.query(
      `UPDATE ${IDEMPOTENCY_TABLE} SET expires_at = now() - interval '1 second' WHERE key = $1`,
      [key],
    );
    const late = await post('/v1/items', { name: 'expiring' }, { key });
    assert.equal(late.replayed, false);
    assert.equal(await itemsNamed('expiring'), 2);

    await example.db.pool.query(
      `UPDATE ${IDEMPOTENCY_TABLE} SET expires_at = now() - interval '1 second' WHERE key = $1`,
      [key],
    );
    assert.ok((await purgeExpiredIdempotencyKeys(example.db.pool)) >= 1);
    const left = await example.db.pool.query(`SELECT 1 FROM ${IDEMPOTENCY_TABLE} WHERE key = $1`, [key]);
    assert.equal(left.rowCount, 0);
  });

  it('lets a retry take over a claim abandoned past its lease (a crashed request)', async () => {
    const key = randomUUID();
    await post('/v1/items', { name: 'abandoned' }, { key });
    await example.db.pool.query(
      `UPDATE ${IDEMPOTENCY_TABLE} SET state = 'in_flight', locked_until = now() - interval '1 second' WHERE key = $1`,
      [key],
    );
    const retry = await post('/v1/items', { name: 'abandoned' }, { key });
    assert.equal(retry.status, 201);
    assert.equal(retry.replayed, false);
  });

  describe('with idempotentWrite (the writes and the stored response in one transaction)', () => {
    it('stores the response with the effect: a repeat replays it', async () => {
      const key = randomUUID();
      const first = await post('/v1/atomic-items', { name: 'atomic-repeat' }, { key });
      assert.equal(first.status, 201, first.text);
      const { rows } = await example.db.pool.query(
        `SELECT state, response_status FROM ${IDEMPOTENCY_TABLE} WHERE key = $1`,
        [key],
      );
      assert.deepEqual(rows[0], { state: 'completed', response_status: 201 });
      const again = await post('/v1/atomic-items', { name: 'atomic-repeat' }, { key });
      assert.equal(again.replayed, true);
      assert.equal(again.text, first.text);
      assert.equal(await itemsNamed('atomic-repeat'), 1);
    });

    it('a failure after the write rolls the write back and releases the key: the retry runs once', async () => {
      const key = randomUUID();
      const failed = await post('/v1/atomic-items', { name: 'atomic-fails', failOnce: true }, { key });
      assert.equal(failed.status, 500);
      assert.equal(await itemsNamed('atomic-fails'), 0, 'the insert before the failure rolled back');
      const retried = await post('/v1/atomic-items', { name: 'atomic-fails', failOnce: true }, { key });
      assert.equal(retried.status, 201, retried.text);
      assert.equal(retried.replayed, false);
      assert.equal(await itemsNamed('atomic-fails'), 1);
    });

    it('a handler that swallowed a failed statement answers 500, not a 201 for writes that never happened', async () => {
      const key = randomUUID();
      const swallowed = await post(
        '/v1/atomic-items',
        { name: 'atomic-swallowed', swallowError: true },
        { key },
      );
      assert.equal(swallowed.status, 500, swallowed.text);
      assert.equal(await itemsNamed('atomic-swallowed'), 0);
      const left = await example.db.pool.query(`SELECT 1 FROM ${IDEMPOTENCY_TABLE} WHERE key = $1`, [key]);
      assert.equal(left.rowCount, 0, 'the key is released for a retry');
    });

    it('a request whose claim a retry took over cannot commit: exactly one of the two writes survives', async () => {
      const key = randomUUID();
      const body = { name: 'atomic-taken-over', waitForLatch: true };
      const claim = async () =>
        (
          await example.db.pool.query<{ owner: string; expired: boolean }>(
            `SELECT owner, locked_until < now() AS expired FROM ${IDEMPOTENCY_TABLE} WHERE key = $1`,
            [key],
          )
        ).rows[0];
      // The latch keeps both handlers inside their transactions until the takeover has happened.
      const latch = await example.db.pool.connect();
      try {
        await latch.query('SELECT pg_advisory_lock($1)', [ATOMIC_LATCH_KEY]);
        const first = post('/v1/atomic-items', body, { key });
        await waitUntil(async () => (await claim())?.expired === true, {
          message: "the first request's lease to run out while it waits",
        });
        const firstOwner = (await claim())?.owner;
        const second = post('/v1/atomic-items', body, { key });
        await waitUntil(async () => (await claim())?.owner !== firstOwner, {
          message: 'the retry took over',
        });
        await latch.query('SELECT pg_advisory_unlock($1)', [ATOMIC_LATCH_KEY]);
        const [a, b] = await Promise.all([first, second]);
        assert.equal(a.status, 409, a.text);
        assert.equal(JSON.parse(a.text).code, 'IDEMPOTENCY_KEY_IN_FLIGHT');
        assert.equal(b.status, 201, b.text);
      } finally {
        latch.release();
      }
      assert.equal(await itemsNamed('atomic-taken-over'), 1);
      const replay = await post('/v1/atomic-items', body, { key });
      assert.equal(replay.replayed, true);
    });

    it('without a key the handler still runs in a transaction', async () => {
      const failed = await post('/v1/atomic-items', { name: 'atomic-no-key', failOnce: true });
      assert.equal(failed.status, 500);
      assert.equal(await itemsNamed('atomic-no-key'), 0);
      assert.equal((await post('/v1/atomic-items', { name: 'atomic-no-key', failOnce: true })).status, 201);
      assert.equal(await itemsNamed('atomic-no-key'), 1);
    });
  });
});
