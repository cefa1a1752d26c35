// `npm start` for real: the lab comes up with every service present in this checkout, each URL
// it prints answers, Kafka is reached through Toxiproxy (and `lab:fault` cuts it), a rolling restart of every replica under a steady 200 requests/s through
// HAProxy fails no request, and `npm stop` (SIGTERM) drains and ends it with exit 0.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { FRONT_DOOR_PORT, labServices, PROMETHEUS_PORT } from '../src/catalogue.ts';
import { labKafkaBrokers, readDependencies } from '../src/environment.ts';
import { steadyLoad } from '../src/steady-load.ts';
import { checkKafkaThroughProxy } from './kafka-through-proxy.ts';

const ROOT = new URL('../../../', import.meta.url);
let lab: ChildProcess;
let output = '';

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
    assert.equal(output.match(/lab: ready /g)?.length, replicas + 2, output);
    for (const service of services) {
      for (const path of service.readPaths) {
        const port = service.routes.length > 0 ? FRONT_DOOR_PORT : service.port;
        const response = await fetch(`http://127.0.0.1:${port}${path}`);
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

  it('restarts every replica in turn under 200 requests/s without failing a request', async () => {
    const urls = labServices(ROOT).flatMap((service) =>
      service.readPaths.map(
        (path) => `http://127.0.0.1:${service.routes.length > 0 ? FRONT_DOOR_PORT : service.port}${path}`,
      ),
    );
    const restarted = waitForLine(/rolling restart (done|failed.*)/);
    lab.kill('SIGHUP');
    const report = await steadyLoad({ urls, rate: 200, until: restarted, maxRequests: 60_000 });
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
