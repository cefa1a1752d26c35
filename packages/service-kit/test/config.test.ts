// loadConfig over a plain object instead of process.env: defaults, empty-as-unset, and one
// ConfigError that names every bad or missing variable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseConfigSchema, isConfigError, loadConfig, z } from '../src/index.ts';

const SECRET = 'a'.repeat(40);

describe('loadConfig', () => {
  it('applies defaults and parses KAFKA_BROKERS into a list', () => {
    const config = loadConfig(baseConfigSchema, { JWT_SECRET: SECRET, KAFKA_BROKERS: ' a:9092, b:9092 ,' });
    assert.equal(config.PORT, 8080);
    assert.equal(config.LOG_LEVEL, 'info');
    assert.equal(config.BODY_LIMIT, '100kb');
    assert.equal(config.SHUTDOWN_DRAIN_MS, 5000);
    assert.equal(config.SHUTDOWN_TIMEOUT_MS, 25000);
    assert.deepEqual(config.KAFKA_BROKERS, ['a:9092', 'b:9092']);
    assert.equal(config.DATABASE_URL, undefined);
  });

  it('treats empty strings as unset, so a default applies', () => {
    const config = loadConfig(baseConfigSchema, { JWT_SECRET: SECRET, PORT: '', REDIS_URL: '' });
    assert.equal(config.PORT, 8080);
    assert.equal(config.REDIS_URL, undefined);
  });

  it('names every bad or missing variable in one error, one line each', () => {
    const schema = baseConfigSchema.extend({ RULES_TTL_MS: z.coerce.number().int().positive() });
    const env = {
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'not a url',
      REDIS_URL: 'http://127.0.0.1:6379',
      KAFKA_BROKERS: ' , ',
      SHUTDOWN_TIMEOUT_MS: '-1',
      BODY_LIMIT: 'lots',
    };
    const error = (() => {
      try {
        loadConfig(schema, env);
      } catch (caught) {
        return caught;
      }
      assert.fail('loadConfig should have thrown');
    })();
    assert.ok(isConfigError(error));
    assert.equal(error.code, 'CONFIG_INVALID');
    const expected = [
      'PORT',
      'LOG_LEVEL',
      'DATABASE_URL',
      'REDIS_URL',
      'KAFKA_BROKERS',
      'JWT_SECRET',
      'SHUTDOWN_TIMEOUT_MS',
      'BODY_LIMIT',
      'RULES_TTL_MS',
    ];
    for (const name of expected) {
      const line = error.message.split('\n').find((l) => l.includes(`${name}:`));
      assert.ok(line, `${name} is named in:\n${error.message}`);
    }
    assert.equal(error.issues.length, expected.length);
    assert.match(error.message, /JWT_SECRET: missing/);
    assert.match(error.message, /RULES_TTL_MS: missing/);
    assert.match(error.message, /PORT: invalid/);
  });

  it('never echoes a value (a secret may be the bad one)', () => {
    assert.throws(
      () => loadConfig(baseConfigSchema, { JWT_SECRET: 'short-secret-value' }),
      (error: unknown) => isConfigError(error) && !error.message.includes('short-secret-value'),
    );
  });
});
