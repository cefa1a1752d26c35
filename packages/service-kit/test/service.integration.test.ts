// createService's own wiring against a real Postgres: the setup(deps) hook builds the service's
// objects once and hands the same result to routes and workers; workers start before the listener
// and stop after it, while the pool is still open; readiness is 503 for the whole drain.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase, waitUntil } from '@lab/testkit';
import { baseConfigSchema, createService, loadConfig, type ServiceDeps } from '../src/index.ts';
import { silentLogger, TEST_JWT_SECRET } from './fixtures/harness.ts';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase('sk_service');
});
after(() => db?.drop());

const configFor = (env: Record<string, string>) =>
  loadConfig(baseConfigSchema, {
    PORT: '0',
    DATABASE_URL: db.url,
    JWT_SECRET: TEST_JWT_SECRET,
    SHUTDOWN_DRAIN_MS: '0',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...env,
  });

describe('createService', () => {
  it('runs setup once and gives its result to routes and workers; workers stop before the pool closes', async () => {
    const events: string[] = [];
    let setupCalls = 0;
    let setupSawPool = false;
    type Parts = { counter: { hits: number } };
    let routesParts: Parts | undefined;
    let workerParts: Parts | undefined;

    const service = await createService({
      name: 'setup-test',
      config: configFor({}),
      logger: silentLogger,
      postgres: true,
      setup: (deps: ServiceDeps) => {
        setupCalls += 1;
        setupSawPool = deps.pg !== undefined;
        return { counter: { hits: 0 } };
      },
      routes: (app, _deps, parts) => {
        routesParts = parts;
        app.get('/v1/hits', (_req, res) => {
          parts.counter.hits += 1;
          res.json({ hits: parts.counter.hits });
        });
      },
      workers: (deps, parts) => {
        workerParts = parts;
        return [
          {
            name: 'recorder',
            start: async () => {
              events.push(`start listening=${Boolean(service?.server?.listening)}`);
            },
            stop: async () => {
              // Still able to use the pool: clients close only after every worker has stopped.
              const { rows } = await (deps.pg?.query('SELECT 1 AS one') ??
                Promise.reject(new Error('no pg')));
              events.push(`stop pool-open=${rows[0]?.one === 1} hits=${parts.counter.hits}`);
            },
          },
        ];
      },
    });

    assert.equal(setupCalls, 1);
    assert.ok(setupSawPool, 'setup receives the connected clients');
    assert.ok(routesParts, 'routes receive the setup result');
    assert.equal(workerParts, routesParts, 'routes and workers share one instance');

    await service.start({ handleSignals: false });
    const response = await fetch(`${service.url}/v1/hits`);
    assert.deepEqual(await response.json(), { hits: 1 });

    const outcome = await service.stop();
    assert.deepEqual(outcome.failed, []);
    assert.equal(outcome.ok, true);
    // The worker started before the listener opened and saw the route's write when it stopped.
    assert.deepEqual(events, ['start listening=false', 'stop pool-open=true hits=1']);
    assert.equal(service.deps.pg?.ended, true, 'the pool is closed after the workers');
    assert.equal(await service.stop(), outcome, 'a second stop returns the same outcome');
  });

  it('passes undefined parts when there is no setup hook', async () => {
    let seen: unknown = 'not called';
    const service = await createService({
      name: 'no-setup',
      config: configFor({}),
      logger: silentLogger,
      routes: (_app, _deps, parts) => {
        seen = parts;
      },
    });
    assert.equal(seen, undefined);
    assert.equal((await service.stop()).ok, true, 'stop before start still closes cleanly');
  });

  it('listens on every interface by default, on HOST when it is set', async () => {
    const addressOf = async (env: Record<string, string>) => {
      const service = await createService({
        name: 'host-test',
        config: configFor(env),
        logger: silentLogger,
      });
      await service.start({ handleSignals: false });
      const listening = service.server?.address() as AddressInfo | undefined;
      assert.ok(listening);
      const { address } = listening;
      assert.equal((await fetch(`${service.url}/health/live`)).status, 200);
      await service.stop();
      return address;
    };
    assert.equal(await addressOf({ HOST: '127.0.0.1' }), '127.0.0.1');
    assert.ok(['::', '0.0.0.0'].includes(await addressOf({})), 'the unspecified address');
    assert.throws(() => configFor({ HOST: 'h'.repeat(254) }), /HOST/);
  });

  it('reports 503 on /health/ready for the whole drain while still serving, then refuses', async () => {
    const service = await createService({
      name: 'drain-test',
      config: configFor({ SHUTDOWN_DRAIN_MS: '3000' }),
      logger: silentLogger,
      postgres: true,
    });
    await service.start({ handleSignals: false });
    const url = service.url;
    assert.equal((await fetch(`${url}/health/ready`)).status, 200);
    assert.equal(service.ready, true);

    const stopped = service.stop();
    assert.equal(service.ready, false, 'not ready as soon as stop() is called');
    const during = await fetch(`${url}/health/ready`);
    assert.equal(during.status, 503);
    assert.equal(((await during.json()) as { draining: boolean }).draining, true);
    // Draining is not closed: live traffic is still answered.
    assert.equal((await fetch(`${url}/health/live`)).status, 200);

    assert.equal((await stopped).ok, true);
    await waitUntil(
      async () =>
        fetch(`${url}/health/live`).then(
          () => false,
          () => true,
        ),
      { timeoutMs: 60_000, message: 'connections to be refused after the drain' }, // was 2 s
    );
  });

  it('stops the workers it started and closes the pool when the port is taken', async () => {
    const occupied = createServer().listen(0);
    await once(occupied, 'listening');
    const { port } = occupied.address() as AddressInfo;
    const events: string[] = [];
    try {
      const service = await createService({
        name: 'port-taken',
        config: configFor({ PORT: String(port) }),
        logger: silentLogger,
        postgres: true,
        workers: () => [
          {
            name: 'recorder',
            start: async () => {
              events.push('start');
            },
            stop: async () => {
              events.push('stop');
            },
          },
        ],
      });
      await assert.rejects(service.start({ handleSignals: false }), { code: 'EADDRINUSE' });
      assert.deepEqual(events, ['start', 'stop'], 'the started worker was stopped again');
      assert.equal(service.deps.pg?.ending, true, 'the pool was closed, so the process can exit');
    } finally {
      occupied.close();
    }
  });
});
