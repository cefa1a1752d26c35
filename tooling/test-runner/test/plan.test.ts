// What `npm test` decides before running anything: the dependency source (in the documented
// order), the test runner's arguments, and whose variables win.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TEST_FILES, planDependencies, testEnvironment, testRunnerArgs } from '../src/plan.ts';

const urls = {
  DATABASE_URL: 'postgres://lab:lab@db:5432/postgres',
  REDIS_URL: 'redis://cache:6379',
  KAFKA_BROKERS: 'kafka:9092',
  TOXIPROXY_URL: 'http://toxiproxy:8474',
};

/** A Docker probe that records whether it was asked. */
function probe(answer: boolean) {
  const calls = { count: 0 };
  const dockerAnswers = async () => {
    calls.count++;
    return answer;
  };
  return { calls, dockerAnswers };
}

describe('planDependencies', () => {
  it('uses URLs from the environment, without starting or probing anything', async () => {
    const docker = probe(true);
    const plan = await planDependencies({ env: urls, localStackEnvFileExists: true, ...docker });
    assert.equal(plan.kind, 'environment');
    assert.equal(docker.calls.count, 0);
  });

  it('keeps the local stack once chosen (.lab/local.env), even when Docker answers', async () => {
    const docker = probe(true);
    const plan = await planDependencies({
      env: { REDIS_URL: urls.REDIS_URL },
      localStackEnvFileExists: true,
      ...docker,
    });
    assert.equal(plan.kind, 'local-stack');
    assert.equal(docker.calls.count, 0);
  });

  it('uses testcontainers when nothing is configured and Docker answers', async () => {
    const plan = await planDependencies({ env: {}, localStackEnvFileExists: false, ...probe(true) });
    assert.equal(plan.kind, 'testcontainers');
  });

  it('starts the local stack when nothing is configured and no Docker answers', async () => {
    const plan = await planDependencies({ env: {}, localStackEnvFileExists: false, ...probe(false) });
    assert.deepEqual(plan, {
      kind: 'local-stack',
      why: 'no dependency URLs are set and no Docker engine answers',
    });
  });
});

describe('testRunnerArgs', () => {
  it('runs every workspace test file by default', () => {
    assert.deepEqual(testRunnerArgs([]), [
      '--test',
      '--test-concurrency=3',
      '--test-timeout=180000',
      ...DEFAULT_TEST_FILES,
    ]);
  });

  it('adds options and lets file paths replace the default globs', () => {
    assert.deepEqual(testRunnerArgs(['--test-name-pattern=breaker', 'packages/resilience/test/a.test.ts']), [
      '--test',
      '--test-concurrency=3',
      '--test-timeout=180000',
      '--test-name-pattern=breaker',
      'packages/resilience/test/a.test.ts',
    ]);
  });
});

describe('testEnvironment', () => {
  it("lets the caller's variables win over the local stack's file", () => {
    const env = testEnvironment({ REDIS_URL: 'redis://elsewhere:6379', PATH: '/bin' }, urls);
    assert.equal(env.REDIS_URL, 'redis://elsewhere:6379');
    assert.equal(env.KAFKA_BROKERS, 'kafka:9092');
    assert.equal(env.PATH, '/bin');
  });

  it('adds nothing when the local stack is not the source', () => {
    assert.deepEqual(testEnvironment({ PATH: '/bin' }, undefined), { PATH: '/bin' });
  });
});
