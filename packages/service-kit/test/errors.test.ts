// The error catalogue: the guards recognise the kit's errors by their fields (code, and for the
// open-coded HttpError its name and status), so an error from a second copy of the kit, or a plain
// object from a worker, still maps to its problem; a foreign error never does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpStatusError } from '@lab/resilience';
import {
  AuthError,
  ConfigError,
  HttpError,
  isAuthError,
  isConfigError,
  isHttpError,
  SERVICE_KIT_ERROR_CODES,
  toProblem,
} from '../src/index.ts';

describe('service-kit error catalogue', () => {
  it("lists the codes of the kit's own errors, and each guard takes its own class", () => {
    const auth = new AuthError('TOKEN_EXPIRED', 'The bearer token has expired.');
    const config = new ConfigError(['PORT: expected a number']);
    for (const code of [auth.code, config.code, 'FORBIDDEN', 'IDEMPOTENCY_KEY_REUSED', 'INTERNAL']) {
      assert.ok(Object.hasOwn(SERVICE_KIT_ERROR_CODES, code), code);
    }
    assert.ok(isAuthError(auth) && isHttpError(auth));
    assert.ok(isConfigError(config));
    assert.equal(isAuthError(new HttpError(403, 'FORBIDDEN', 'no')), false);
    assert.equal(isConfigError(auth), false);
  });

  it('recognises plain objects from another copy of the kit', () => {
    const http = {
      name: 'HttpError',
      message: 'There is no rule named "x".',
      code: 'RULE_NOT_FOUND',
      status: 404,
    };
    assert.ok(isHttpError(http));
    assert.deepEqual(
      [toProblem(http).status, toProblem(http).code, toProblem(http).detail],
      [404, 'RULE_NOT_FOUND', 'There is no rule named "x".'],
    );
    assert.ok(isAuthError({ name: 'AuthError', message: 'expired', code: 'TOKEN_EXPIRED', status: 401 }));
    assert.ok(
      isConfigError({ name: 'ConfigError', message: 'Invalid configuration', code: 'CONFIG_INVALID' }),
    );
  });

  it('refuses foreign errors, so their messages never reach a client', () => {
    // An upstream's 503 carries a status, an upper-case code and an internal URL in its message.
    const upstream = new HttpStatusError(503, 'GET', new URL('http://10.0.0.7:8085/internal'), undefined);
    assert.equal(isHttpError(upstream), false);
    assert.deepEqual([toProblem(upstream).status, toProblem(upstream).code], [500, 'INTERNAL']);
    assert.equal(isHttpError({ name: 'HttpError', message: 'x', code: 'X', status: 200 }), false);
    assert.equal(isAuthError({ name: 'HttpError', message: 'x', code: 'FORBIDDEN', status: 403 }), false);
    assert.equal(isConfigError({ name: 'ConfigError', code: 'CONFIG_INVALID' }), false);
    for (const value of [null, undefined, 'CONFIG_INVALID']) {
      assert.equal(isHttpError(value) || isAuthError(value) || isConfigError(value), false);
    }
  });
});
