// The API against real Postgres, Redis and Kafka: create -> redirect -> the click in stats,
// idempotent create, aliases, expiry, owner-only delete, listing, bad inputs, and the cold-code
// stampede (1,000 concurrent redirects, one database read).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitUntil } from '@lab/testkit';
import { call, createTestBed, PUBLIC_BASE_URL, type Running, type TestBed } from './support.ts';

let bed: TestBed;
let svc: Running;
// A second instance on the same database and Redis, serving redirects through express (fast path
// off): deletes must reach its cache too.
let other: Running;
let ann: string;
let bob: string;

before(async () => {
  bed = await createTestBed('urlsh');
  // A long negative TTL, so "remembered" below does not depend on how fast this machine is.
  svc = await bed.start({ LINK_NEGATIVE_TTL_MS: '120000' });
  other = await bed.start({ REDIRECT_FAST_PATH: 'false' });
  ann = await bed.token({ sub: 'ann' });
  bob = await bed.token({ sub: 'bob' });
});
after(async () => {
  await bed?.cleanup();
});

const create = (body: unknown, token = ann, headers: Record<string, string> = {}) =>
  call(svc.url, 'POST', '/v1/urls', { body, token, headers });

test('create -> redirect -> the click shows in stats', async () => {
  const created = await create({ url: 'HTTPS://Example.COM:443/a/../docs?q=1#' });
  assert.equal(created.status, 201);
  const code = created.body.code as string;
  assert.match(code, /^[0-9A-Za-z]{7}$/);
  assert.equal(created.body.url, 'https://example.com/docs?q=1');
  assert.equal(created.body.shortUrl, `${PUBLIC_BASE_URL}/${code}`);
  assert.equal(created.body.expiresAt, null);

  const redirect = await call(svc.url, 'GET', `/${code}`, {
    headers: { referer: 'https://news.example/item', 'user-agent': 'Mozilla/5.0 Firefox/140.0' },
  });
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get('location'), 'https://example.com/docs?q=1');
  assert.ok(redirect.headers.get('x-request-id'));

  let stats: Record<string, unknown> = {};
  await waitUntil(
    async () => {
      stats = (await call(svc.url, 'GET', `/v1/urls/${code}/stats`, { token: ann })).body;
      return stats.totalClicks === 1;
    },
    { timeoutMs: 60_000, intervalMs: 200, message: 'the click reached the stats' },
  );
  assert.deepEqual(stats.topReferrers, [{ host: 'news.example', clicks: 1 }]);
  assert.deepEqual(stats.topUserAgents, [{ family: 'firefox', clicks: 1 }]);
  assert.equal((stats.daily as unknown[]).length, 1);
  await waitUntil(async () => {
    const again = (await call(svc.url, 'GET', `/v1/urls/${code}/stats`, { token: ann })).body;
    return again.uniqueVisitors === 1;
  });
});

test('HEAD redirects without counting a click; 301 per link', async () => {
  const created = await create({ url: 'https://example.org/p', redirect: 301 });
  const code = created.body.code as string;
  const head = await call(svc.url, 'HEAD', `/${code}`);
  assert.equal(head.status, 301);
  assert.equal(head.headers.get('location'), 'https://example.org/p');
  const details = await call(svc.url, 'GET', `/v1/urls/${code}`);
  assert.equal(details.status, 200);
  assert.equal(details.body.redirect, 301);
});

test('the same Idempotency-Key replays the first response; another body is 422', async () => {
  const key = `k-${Date.now()}`;
  const first = await create({ url: 'https://example.com/once' }, ann, { 'idempotency-key': key });
  const second = await create({ url: 'https://example.com/once' }, ann, { 'idempotency-key': key });
  assert.equal(first.status, 201);
  assert.equal(second.status, 201);
  assert.equal(second.body.code, first.body.code);
  assert.equal(second.headers.get('idempotent-replayed'), 'true');
  const other = await create({ url: 'https://example.com/other' }, ann, { 'idempotency-key': key });
  assert.equal(other.status, 422);
  const rows = await bed.db.pool.query(
    "SELECT count(*)::int AS n FROM links WHERE url = 'https://example.com/once'",
  );
  assert.equal(rows.rows[0].n, 1);
});

test('aliases: taken -> 409, reserved or malformed -> 400', async () => {
  const first = await create({ url: 'https://example.com/a', alias: 'launch_2026' });
  assert.equal(first.status, 201);
  assert.equal(first.body.code, 'launch_2026');
  const again = await create({ url: 'https://example.com/b', alias: 'launch_2026' }, bob);
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'ALIAS_TAKEN');
  assert.equal(
    (await create({ url: 'https://example.com/c', alias: 'metrics' })).body.code,
    'ALIAS_RESERVED',
  );
  for (const alias of ['ab', 'bad alias', 'a/b', 'é-accent', 'x'.repeat(33)]) {
    const refused = await create({ url: 'https://example.com/d', alias });
    assert.equal(refused.status, 400, alias);
  }
});

test('an unknown code is 404; an expired link is 410', async () => {
  const unknown = await call(svc.url, 'GET', '/Nope123');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.headers.get('content-type'), 'application/problem+json');
  assert.equal(unknown.body.code, 'LINK_NOT_FOUND');
  // The caller's request id comes back on a problem as on a redirect, and matches the body's.
  const traced = await call(svc.url, 'GET', '/Nope123', { headers: { 'x-request-id': 'caller-id-42' } });
  assert.equal(traced.headers.get('x-request-id'), 'caller-id-42');
  assert.equal(traced.body.requestId, 'caller-id-42');

  const created = await create({
    url: 'https://example.com/soon',
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  });
  const code = created.body.code as string;
  // Expire it in the database before it is ever read, so no cached copy says otherwise.
  await bed.db.pool.query("UPDATE links SET expires_at = now() - interval '1 second' WHERE code = $1", [
    code,
  ]);
  const gone = await call(svc.url, 'GET', `/${code}`);
  assert.equal(gone.status, 410);
  assert.equal(gone.body.code, 'LINK_EXPIRED');
});

test('only the owner deletes (403 for another user); then the code is 410 on every instance', async () => {
  const created = await create({ url: 'https://example.com/mine' });
  const code = created.body.code as string;
  // Cached on both instances (the second one redirects through express).
  assert.equal((await call(svc.url, 'GET', `/${code}`)).status, 302);
  assert.equal((await call(other.url, 'GET', `/${code}`)).status, 302);
  const refused = await call(svc.url, 'DELETE', `/v1/urls/${code}`, { token: bob });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'NOT_LINK_OWNER');
  const stats = await call(svc.url, 'GET', `/v1/urls/${code}/stats`, { token: bob });
  assert.equal(stats.status, 403);
  const own = await call(svc.url, 'DELETE', `/v1/urls/${code}`, { token: ann });
  assert.equal(own.status, 204);
  const gone = await call(svc.url, 'GET', `/${code}`);
  assert.equal(gone.status, 410);
  assert.equal(gone.body.code, 'LINK_DELETED');
  // The other instance drops its L1 copy when the invalidation arrives over pub/sub.
  await waitUntil(async () => (await call(other.url, 'GET', `/${code}`)).status === 410, {
    message: "the other instance's cached copy was invalidated",
  });
  assert.equal((await call(svc.url, 'DELETE', `/v1/urls/${code}`, { token: ann })).status, 204);
});

test('through express (fast path off) the redirect answers the same', async () => {
  const created = await create({ url: 'https://example.com/express', redirect: 301 });
  const reply = await call(other.url, 'GET', `/${created.body.code as string}`);
  assert.equal(reply.status, 301);
  assert.equal(reply.headers.get('location'), 'https://example.com/express');
  const unknown = await call(other.url, 'GET', '/Nope1234');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, 'LINK_NOT_FOUND');
});

test('GET /v1/urls lists only the caller’s links, page by page', async () => {
  const carol = await bed.token({ sub: 'carol' });
  const made: string[] = [];
  for (let i = 0; i < 5; i += 1)
    made.push((await create({ url: `https://example.com/c${i}` }, carol)).body.code as string);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
    const page = await call(svc.url, 'GET', `/v1/urls${query}`, { token: carol });
    assert.equal(page.status, 200);
    seen.push(...(page.body.items as { code: string }[]).map((item) => item.code));
    cursor = page.body.next_cursor as string | null;
  } while (cursor);
  assert.deepEqual(seen.sort(), made.sort());
  assert.equal((await call(svc.url, 'GET', '/v1/urls?cursor=garbage', { token: carol })).status, 400);
});

test('bad inputs are 4xx problem+json, never a 500', async () => {
  const cases: [string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, string?][] =
    [
      ['javascript: URL', () => create({ url: 'javascript:alert(1)' }), 400, 'URL_SCHEME_NOT_ALLOWED'],
      ['data: URL', () => create({ url: 'data:text/html,hi' }), 400, 'URL_SCHEME_NOT_ALLOWED'],
      ['10 KB URL', () => create({ url: `https://example.com/${'a'.repeat(10_240)}` }), 400, 'URL_TOO_LONG'],
      ['self link', () => create({ url: `${PUBLIC_BASE_URL}/abc` }), 400, 'URL_SELF_REFERENCE'],
      [
        'credentials',
        () => create({ url: 'https://bank.example@evil.example/' }),
        400,
        'URL_CREDENTIALS_NOT_ALLOWED',
      ],
      [
        'malformed JSON',
        () => call(svc.url, 'POST', '/v1/urls', { body: '{"url":', token: ann }),
        400,
        'MALFORMED_JSON',
      ],
      ['unknown field', () => create({ url: 'https://example.com', owner: 'bob' }), 400, 'VALIDATION_FAILED'],
      [
        'expiry in the past',
        () => create({ url: 'https://example.com', expiresAt: '2001-01-01T00:00:00Z' }),
        400,
        'EXPIRY_IN_PAST',
      ],
      [
        'expiry not a date',
        () => create({ url: 'https://example.com', expiresAt: 'tomorrow' }),
        400,
        'EXPIRY_INVALID',
      ],
      ['redirect 307', () => create({ url: 'https://example.com', redirect: 307 }), 400, 'VALIDATION_FAILED'],
      [
        'no token',
        () => call(svc.url, 'POST', '/v1/urls', { body: { url: 'https://example.com' } }),
        401,
        'UNAUTHENTICATED',
      ],
      [
        'forged token',
        () => create({ url: 'https://example.com' }, `${ann.slice(0, -4)}AAAA`),
        401,
        'TOKEN_INVALID',
      ],
    ];
  for (const [name, send, status, code] of cases) {
    const reply = await send();
    assert.equal(reply.status, status, name);
    if (code) assert.equal(reply.body.code, code, name);
  }
});

test('1,000 concurrent redirects of a cold code -> exactly one database read', async () => {
  const created = await create({ url: 'https://example.com/hot' });
  const code = created.body.code as string;
  const before = await svc.metric('url_link_db_reads_total');
  const replies = await Promise.all(
    Array.from({ length: 1_000 }, () => fetch(`${svc.url}/${code}`, { redirect: 'manual' })),
  );
  assert.ok(replies.every((reply) => reply.status === 302));
  await Promise.all(replies.map((reply) => reply.arrayBuffer()));
  assert.equal((await svc.metric('url_link_db_reads_total')) - before, 1);
});

test('a cached code never touches Postgres; an unknown code is read once, then remembered', async () => {
  const code = (await create({ url: 'https://example.com/cached' })).body.code as string;
  assert.equal((await call(svc.url, 'GET', `/${code}`)).status, 302);
  const before = await svc.metric('url_link_db_reads_total');
  for (let i = 0; i < 50; i += 1) assert.equal((await call(svc.url, 'GET', `/${code}`)).status, 302);
  for (let i = 0; i < 50; i += 1) assert.equal((await call(svc.url, 'GET', '/NeverMade7')).status, 404);
  assert.equal((await svc.metric('url_link_db_reads_total')) - before, 1); // the unknown code, once
});
