// Idempotency-Key across a real crash: the example app runs as a child process that SIGKILLs
// itself after the handler's transaction committed and before the response is sent. The client
// sees a dropped connection and retries with the same key against a restarted process. The
// effect (an items row) must exist once, and the retry must get the stored response.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { waitUntil } from '@lab/testkit';
import { REPLAYED_HEADER } from '../src/index.ts';
import { type ChildHarness, childHarness, type ExampleProcess } from './fixtures/child.ts';
import { tokenFor } from './fixtures/harness.ts';

let harness: ChildHarness;

before(async () => {
  harness = await childHarness('sk_idem_crash');
});
after(() => harness?.close());

// A short lease: without atomic phases, a retry takes the abandoned claim over within a second.
const start = (env: Record<string, string> = {}): Promise<ExampleProcess> =>
  harness.start({ EXAMPLE_IDEMPOTENCY_LEASE_MS: '500', ...env });

function post(url: string, key: string, token: string) {
  return fetch(`${url}/v1/atomic-items`, {
    method: 'POST',
    body: JSON.stringify({ name: 'crash-once' }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
  });
}

test('a crash between the commit and the response does not run the handler again on retry', async () => {
  const token = await tokenFor('alice');
  const key = randomUUID();
  const crashing = await start({ EXAMPLE_CRASH_AFTER_COMMIT: 'true' });
  await assert.rejects(post(crashing.url, key, token), 'the connection dies with the process');
  const exited = await crashing.exited;
  assert.equal(exited.code, null, 'killed by a signal, not a clean exit');

  const restarted = await start();
  // A retrying client: 409 means "still in flight", so it tries again (bounded).
  let response = await post(restarted.url, key, token);
  await waitUntil(
    async () => {
      if (response.status !== 409) return true;
      response = await post(restarted.url, key, token);
      return response.status !== 409;
    },
    { timeoutMs: 120_000, intervalMs: 100, message: 'the retry to settle' }, // was 15 s: a bound, not a speed
  );
  const text = await response.text();
  assert.equal(response.status, 201, text);
  assert.equal(response.headers.get(REPLAYED_HEADER), 'true', 'the stored response, not a second run');
  const { rows } = await harness.db.pool.query("SELECT id FROM items WHERE name = 'crash-once'");
  assert.equal(rows.length, 1, 'the effect happened once');
  assert.equal(JSON.parse(text).id, String(rows[0].id), 'the replay describes the row that exists');
});
