// Faults at the dependency, through Toxiproxy: with Redis cut, redirects are served from Postgres
// (and from L1 for hot codes); with Postgres cut, cached codes still redirect and an uncached one
// is a 503 problem, not a hang or a crash; with Kafka cut, redirects are unaffected, the click
// window goes on counting but a click that would add a visitor beyond its bound
// (CLICK_MAX_VISITORS) is dropped and counted, and every click not dropped arrives once Kafka is
// back.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  createFaultProxy,
  createKafkaFaultProxy,
  type FaultProxy,
  hostPortOf,
  testDependencies,
  throughProxy,
  waitUntil,
} from '@lab/testkit';
import { call, createTestBed, type TestBed } from './support.ts';

const beds: TestBed[] = [];
const proxies: FaultProxy[] = [];
after(async () => {
  // Services first: they must still reach Kafka through their proxy to leave their groups.
  for (const bed of beds) await bed.cleanup();
  for (const proxy of proxies) await proxy.remove().catch(() => {});
});

test('Redis cut: redirects are still served, cold codes from Postgres', async () => {
  const bed = await createTestBed('urlsh_redis');
  beds.push(bed);
  const { redisUrl } = await testDependencies();
  const proxy = await createFaultProxy('urlsh-redis', hostPortOf(redisUrl));
  proxies.push(proxy);
  const svc = await bed.start({ REDIS_URL: throughProxy(redisUrl, proxy) });
  const token = await bed.token();
  const hot = (await call(svc.url, 'POST', '/v1/urls', { body: { url: 'https://example.com/hot' }, token }))
    .body.code as string;
  const cold = (await call(svc.url, 'POST', '/v1/urls', { body: { url: 'https://example.com/cold' }, token }))
    .body.code as string;
  assert.equal((await call(svc.url, 'GET', `/${hot}`)).status, 302);

  await proxy.cut();
  try {
    const readsBefore = await svc.metric('url_link_db_reads_total');
    for (let i = 0; i < 20; i += 1) {
      assert.equal((await call(svc.url, 'GET', `/${hot}`)).status, 302);
      const reply = await call(svc.url, 'GET', `/${cold}`);
      assert.equal(reply.status, 302);
      assert.equal(reply.headers.get('location'), 'https://example.com/cold');
    }
    assert.ok(
      (await svc.metric('url_link_db_reads_total')) - readsBefore >= 1,
      'the cold code came from Postgres',
    );
    assert.equal((await call(svc.url, 'GET', '/Unknown1')).status, 404);
  } finally {
    await proxy.restore();
  }
});

test('Kafka cut: redirects unaffected, drops counted, clicks flow again after restore', async () => {
  const bed = await createTestBed('urlsh_kafka');
  beds.push(bed);
  const { proxy, socketFactory } = await createKafkaFaultProxy('urlsh-kafka');
  proxies.push(proxy);
  const maxVisitors = 5;
  const svc = await bed.start(
    { CLICK_MAX_VISITORS: String(maxVisitors), CLICK_SEND_TIMEOUT_MS: '500' },
    { kafkaSocketFactory: socketFactory },
  );
  const token = await bed.token();
  const code = (await call(svc.url, 'POST', '/v1/urls', { body: { url: 'https://example.com/k' }, token }))
    .body.code as string;
  const totalClicks = async () =>
    (await call(svc.url, 'GET', `/v1/urls/${code}/stats`, { token })).body.totalClicks as number;
  const dropped = () => svc.metric('url_clicks_dropped_total');
  // A visitor is an address and a user agent: one client, a new user agent, a new visitor.
  const redirect = (userAgent = 'fault-test') =>
    call(svc.url, 'GET', `/${code}`, { headers: { 'user-agent': userAgent } });

  assert.equal((await redirect()).status, 302);
  await waitUntil(async () => (await totalClicks()) === 1, {
    timeoutMs: 60_000,
    intervalMs: 200,
    message: 'the first click was counted',
  });

  // Repeated clicks of one visitor would only be counted; each of these is a new visitor, so the
  // window fills up to its bound and the rest are dropped.
  await proxy.cut();
  const during = 30;
  for (let i = 0; i < during; i += 1) assert.equal((await redirect(`fault-test-visitor-${i}`)).status, 302);
  await waitUntil(async () => (await dropped()) > 0, {
    timeoutMs: 30_000,
    message: 'clicks beyond the bound were dropped and counted',
  });
  // Kept: the open window's visitors, plus those of a window sealed as the cut began (held
  // unacknowledged, no new one sealed meanwhile): each at most the bound.
  const droppedDuring = await dropped();
  assert.ok(
    droppedDuring >= during - 2 * maxVisitors && droppedDuring <= during - maxVisitors,
    `${droppedDuring} of ${during} clicks dropped`,
  );
  await proxy.restore();
  await waitUntil(async () => (await svc.metric('url_click_buffer_size')) === 0, {
    timeoutMs: 90_000,
    intervalMs: 250,
    message: 'the held clicks were sent after the restore',
  });

  // The window is sealed again: these count normally.
  const afterRestore = 3;
  for (let i = 0; i < afterRestore; i += 1) assert.equal((await redirect()).status, 302);
  // Every click that was not dropped arrives exactly once (resent batches are deduplicated).
  const expected = 1 + during + afterRestore - droppedDuring;
  await waitUntil(async () => (await totalClicks()) === expected, {
    timeoutMs: 90_000,
    intervalMs: 250,
    message: 'clicks flowed again after the restore',
  }).catch(async (error) => {
    const state = {
      totalClicks: await totalClicks(),
      expected,
      dropped: await dropped(),
      published: await svc.metric('url_clicks_published_total'),
      sendFailures: await svc.metric('url_click_send_failures_total'),
      buffered: await svc.metric('url_click_buffer_size'),
      consumed: await svc.metric('outbox_consumer_messages_total'),
    };
    throw new Error(`${(error as Error).message}: ${JSON.stringify(state)}`);
  });
  assert.equal(await dropped(), droppedDuring);
});

test('Postgres cut: cached codes still redirect, an uncached one is a 503 problem', async () => {
  const bed = await createTestBed('urlsh_pg');
  beds.push(bed);
  const proxy = await createFaultProxy('urlsh-pg', hostPortOf(bed.db.url));
  proxies.push(proxy);
  const svc = await bed.start({ DATABASE_URL: throughProxy(bed.db.url, proxy) });
  const token = await bed.token();
  const make = async (url: string) =>
    (await call(svc.url, 'POST', '/v1/urls', { body: { url }, token })).body.code as string;
  const cached = await make('https://example.com/cached');
  const uncached = await make('https://example.com/uncached');
  assert.equal((await call(svc.url, 'GET', `/${cached}`)).status, 302);

  await proxy.cut();
  try {
    assert.equal((await call(svc.url, 'GET', `/${cached}`)).status, 302);
    const failed = await call(svc.url, 'GET', `/${uncached}`);
    assert.equal(failed.status, 503);
    assert.equal(failed.body.code, 'LINK_LOOKUP_FAILED');
    assert.equal(failed.headers.get('content-type'), 'application/problem+json');
  } finally {
    await proxy.restore();
  }
  await waitUntil(async () => (await call(svc.url, 'GET', `/${uncached}`)).status === 302, {
    timeoutMs: 30_000,
    message: 'the uncached code redirects once Postgres is back',
  });
});
