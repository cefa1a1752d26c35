import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseDependencySource } from '../src/dependency-source.ts';

const fullEnv = {
  DATABASE_URL: 'postgres://lab:lab@127.0.0.1:5432/postgres',
  REDIS_URL: 'redis://127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
  TOXIPROXY_URL: 'http://127.0.0.1:8474',
};

describe('chooseDependencySource', () => {
  it('uses the URLs in the environment when all are set, even if Docker answers', () => {
    const source = chooseDependencySource(fullEnv, true);
    assert.equal(source.kind, 'environment');
    assert.deepEqual(source.kind === 'environment' && source.urls.kafkaBrokers, [
      '127.0.0.1:9092',
      '127.0.0.1:9093',
    ]);
  });

  it('falls back to testcontainers when a variable is missing and Docker answers', () => {
    assert.deepEqual(chooseDependencySource({ ...fullEnv, REDIS_URL: undefined }, true), {
      kind: 'testcontainers',
    });
  });

  it('names the missing variables and the command that starts the stack when neither is there', () => {
    const source = chooseDependencySource({ DATABASE_URL: fullEnv.DATABASE_URL }, false);
    assert.equal(source.kind, 'unavailable');
    assert.match(
      source.kind === 'unavailable' ? source.message : '',
      /REDIS_URL, KAFKA_BROKERS, TOXIPROXY_URL/,
    );
    assert.match(source.kind === 'unavailable' ? source.message : '', /npm run infra:local -- up/);
  });
});
