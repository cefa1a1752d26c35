// `npm start` for real: the lab comes up with every service present in this checkout, each URL
// it prints answers, Kafka is reached through Toxiproxy (and `lab:fault` cuts it), a rolling restart of every replica under a steady 200 requests/s through
// HAProxy fails no request, and `npm stop` (SIGTERM) drains and ends it with exit 0.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { FRONT_DOOR_PORT, labServices, PROMETHEUS_PORT, replicaPort } from '../src/catalogue.ts';
import { labKafkaBrokers, labToken, readDependencies } from '../src/environment.ts';
import { waitForHaproxy } from '../src/haproxy-stats.ts';
import { steadyLoad } from '../src/steady-load.ts';
import { checkKafkaThroughProxy, labFault } from './kafka-through-proxy.ts';
import { checkSeries } from './series-check.ts';

const ROOT = new URL('../../../', import.meta.url);
const authHeader = async () => ({ authorization: `Bearer ${await labToken(ROOT, 'lab-user')}` });
let lab: ChildProcess;
let output = '';

/** How long a phase of the series check's load lasts: a duration of traffic, not a wait for an event. */
const loadFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The writes that make every event path run once: a link and its redirects (clicks to the
 * aggregator), a post (fan-out) and a follow (a notification through provider-sim). Without them
 * a read-only load leaves the outbox, consumer and fan-out series empty.
 */
async function exerciseWrites(services: string[]): Promise<void> {
  const user = {
    authorization: `Bearer ${await labToken(ROOT, 'lab-user')}`,
    'content-type': 'application/json',
  };
  const fan = {
    authorization: `Bearer ${await labToken(ROOT, 'lab-follower')}`,
    'content-type': 'application/json',
  };
  const post = (path: string, headers: Record<string, string>, body: unknown) =>
    fetch(`http://127.0.0.1:${FRONT_DOOR_PORT}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
  if (services.includes('url-shortener')) {
    const created = await post('/v1/urls', user, { url: 'https://example.com/lab-series-check' });
    assert.equal(created.status, 201, await created.clone().text());
    const { code } = (await created.json()) as { code: string };
    for (let i = 0; i < 3; i++)
      await fetch(`http://127.0.0.1:${FRONT_DOOR_PORT}/${code}`, { redirect: 'manual' });
  }
  if (services.includes('notifications')) {
    // Somewhere to deliver the follow's notification: without a contact it is skipped, not sent.
    const contact = await fetch(`http://127.0.0.1:${FRONT_DOOR_PORT}/v1/users/lab-user/contacts`, {
      method: 'PUT',
      headers: user,
      body: JSON.stringify({ pushToken: 'lab-user-phone' }),
    });
    assert.ok(contact.ok, `contacts: ${contact.status}`);
  }
  if (services.includes('feed')) {
    await fetch(`http://127.0.0.1:${FRONT_DOOR_PORT}/v1/feed`, { headers: user }); // the user exists once they act
    assert.ok((await post('/v1/follows/lab-user', fan, {})).status < 300, 'the follow is accepted');
    assert.equal((await post('/v1/posts', user, { body: 'series check' })).status, 201);
  }
}

/** Resolves when the lab prints a line matching `pattern`; rejects if it exits first. */
function waitForLine(pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (pattern.test(output)) {
        lab.stdout?.off('data', onData);
        resolve();
      }
    };
    lab.stdout?.on('data', onData);
    lab.once('exit', (code) => reject(new Error(`lab exited (${code}) before ${pattern}:\n${output}`)));
    onData();
  });
}

describe('the lab (npm start)', { timeout: 600_000 }, () => {
  before(async () => {
    lab = spawn(process.execPath, ['tooling/lab/src/start.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    lab.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    lab.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitForLine(/lab is up/);
  });

  after(async () => {
    if (lab.exitCode === null) {
      lab.kill('SIGTERM');
      await new Promise((resolve) => lab.once('exit', resolve));
    }
  });

  it('prints a ready line for every replica, HAProxy and Prometheus, and each answers', async () => {
    const services = labServices(ROOT);
    const replicas = services.reduce((sum, service) => sum + service.replicas, 0);
    const lagExporter = services.some((service) => service.kafka) ? 1 : 0;
    assert.equal(output.match(/lab: ready /g)?.length, replicas + 2 + lagExporter, output);
    for (const service of services) {
      for (const path of service.readPaths) {
        const port = service.routes.length > 0 ? FRONT_DOOR_PORT : service.port;
        const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: await authHeader() });
        assert.equal(response.status, 200, `${service.name} ${path} through HAProxy`);
      }
    }
    assert.equal((await fetch(`http://127.0.0.1:${PROMETHEUS_PORT}/-/ready`)).status, 200);
  });

  it('routes Kafka through the lab-kafka proxy, which lab:fault cuts and restores', async (t) => {
    const kafka = await labKafkaBrokers(readDependencies(new URL('.lab/local.env', ROOT)));
    if (kafka.note) return t.skip(kafka.note);
    await checkKafkaThroughProxy(kafka.brokers);
  });

  it('has every series a dashboard or alert reads after a load with Redis slowed and Postgres cut during it', async () => {
    const services = labServices(ROOT);
    // Read paths through the front door. Pattern paths go to each replica directly: while a
    // dependency is cut the replicas report not-ready and HAProxy takes them out, but the pattern
    // (the limiter's breaker around Redis) must meet the fault to show it.
    const urls = services.flatMap((service) => [
      ...service.readPaths.map(
        (path) => `http://127.0.0.1:${service.routes.length > 0 ? FRONT_DOOR_PORT : service.port}${path}`,
      ),
      ...(service.patternPaths ?? []).flatMap((path) =>
        Array.from(
          { length: service.replicas },
          (_, i) => `http://127.0.0.1:${replicaPort(service, i)}${path}`,
        ),
      ),
    ]);
    await exerciseWrites(services.map((service) => service.name));
    let stopLoad = () => {};
    const load = steadyLoad({
      urls,
      headers: await authHeader(),
      rate: 50,
      until: new Promise<void>((resolve) => {
        stopLoad = resolve;
      }),
      maxRequests: 10_000,
    });
    // Two faults: Redis slowed past the limiter's 100 ms time limit (a hung Redis is what its
    // breaker is for; a refused connection skips the breaker and fails open at once) and Postgres
    // cut (reads that need it answer 5xx). They come early, before the caller has spent its
    // free-tier quota: a caller the limiter already refuses from its in-memory block list sends
    // nothing to Redis. Refusals and local blocks come in the load after the restore.
    try {
      await loadFor(1_000);
      labFault('redis', 'latency', '300');
      labFault('postgres', 'cut');
      await loadFor(5_000);
    } finally {
      labFault('postgres', 'restore');
      labFault('redis', 'restore');
    }
    // Healthy again before the rolling restart: HAProxy's own checks see every replica UP.
    const replicas = services.flatMap((s) =>
      Array.from({ length: s.replicas }, (_, i) => [s.name, `r${i + 1}`]),
    );
    await Promise.all(
      replicas.map(([backend, server]) => waitForHaproxy(backend as string, server as string, 'UP', 120_000)),
    );
    await loadFor(10_000);
    stopLoad();
    const report = await load;
    const series = await checkSeries(
      `http://127.0.0.1:${PROMETHEUS_PORT}`,
      services.map((service) => service.name),
      60_000,
    );
    console.log(
      `series check: ${report.sent} requests (${report.failed} failed while the faults lasted); ${series.expected.length - series.missing.length} of ${series.expected.length} expected series present; not expected with these services: ${series.leftOut.join(', ')}`,
    );
    assert.ok(report.failed > 0, 'the faults were felt: some requests failed while Postgres was cut');
    assert.deepEqual(series.missing, [], 'every series a dashboard or alert reads exists');
  });

  // Eight replicas, each drained (6 s), started, made ready and seen UP by HAProxy (rise 2 at 1 s)
  // in turn, under load on two cores: ~10 s a replica. The runner's 180 s default was too close
  // to the 120-150 s this took while services started their workers one by one; 300 s leaves room
  // for a slow machine without hiding a replica that does not come back (each step has its own
  // 60 s bound, and a failure prints "rolling restart failed").
  it('restarts every replica in turn under 200 requests/s without failing a request', {
    timeout: 300_000,
  }, async () => {
    const urls = labServices(ROOT).flatMap((service) =>
      service.readPaths.map(
        (path) => `http://127.0.0.1:${service.routes.length > 0 ? FRONT_DOOR_PORT : service.port}${path}`,
      ),
    );
    const restarted = waitForLine(/rolling restart (done|failed.*)/);
    lab.kill('SIGHUP');
    const report = await steadyLoad({
      urls,
      headers: await authHeader(),
      rate: 200,
      until: restarted,
      maxRequests: 60_000,
    });
    assert.match(output, /rolling restart done/, output);
    assert.ok(report.sent > 200, `the load ran through the restart (${report.sent} requests)`);
    assert.deepEqual(report.failures, {}, `${report.failed} of ${report.sent} failed`);
    console.log(`rolling restart: ${report.sent} requests, ${report.failed} failed`);
  });

  it('stops everything it started on SIGTERM (npm stop), with exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => lab.once('exit', resolve));
    lab.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    await assert.rejects(fetch(`http://127.0.0.1:${FRONT_DOOR_PORT}/`), 'HAProxy is gone');
  });
});
