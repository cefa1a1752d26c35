// Authorization, not only authentication: the `scope` claim (space-separated, as in OAuth 2.0),
// what verifyToken accepts, requireScope's 401/403, and dev:token minting scopes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Request, Response } from 'express';
import { SignJWT } from 'jose';
import {
  hasScope,
  isAuthError,
  isHttpError,
  requireScope,
  scopesOf,
  signDevToken,
  verifyToken,
} from '../src/index.ts';

const SECRET = 'unit-test-secret-0123456789abcdef-xyz';

describe('the scope claim', () => {
  it('round-trips through signDevToken and verifyToken', async () => {
    const token = await signDevToken({
      sub: 'a',
      tenant: 't',
      tier: 'pro',
      scope: 'admin service',
      secret: SECRET,
    });
    const claims = await verifyToken(token, SECRET);
    assert.deepEqual(claims, { sub: 'a', tenant: 't', tier: 'pro', scope: 'admin service' });
    assert.deepEqual(scopesOf(claims), ['admin', 'service']);
    assert.equal(hasScope(claims, 'admin'), true);
    assert.equal(hasScope(claims, 'rate-limiter:inline'), false);
  });

  it('a token without it has no scopes', async () => {
    const claims = await verifyToken(
      await signDevToken({ sub: 'a', tenant: 't', tier: 'free', secret: SECRET }),
      SECRET,
    );
    assert.deepEqual(scopesOf(claims), []);
    assert.equal(hasScope(claims, 'admin'), false);
    assert.equal(hasScope(undefined, 'admin'), false);
  });

  it('refuses a scope claim that is not a short list of scope names', async () => {
    for (const scope of [42, ['admin'], 'admin\tservice', 'x'.repeat(2_000), 'ad"min']) {
      const token = await new SignJWT({ tenant: 't', tier: 'free', scope })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('a')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(SECRET));
      await assert.rejects(verifyToken(token, SECRET), (error: unknown) => {
        assert.ok(isAuthError(error), String(scope));
        assert.equal(error.code, 'TOKEN_INVALID');
        return true;
      });
    }
    await assert.rejects(
      signDevToken({ sub: 'a', tenant: 't', tier: 'free', scope: 'a"b', secret: SECRET }),
      TypeError,
    );
  });
});

describe('requireScope', () => {
  const run = (auth: unknown) => {
    const res = { locals: { auth } } as unknown as Response;
    let passed = false;
    try {
      requireScope('admin')({} as Request, res, () => {
        passed = true;
      });
    } catch (error) {
      return error;
    }
    return passed;
  };

  it('passes a token with the scope', () => {
    assert.equal(run({ sub: 'a', tenant: 't', tier: 'free', scope: 'service admin' }), true);
  });

  it('refuses a token without it with 403 FORBIDDEN naming the scope', () => {
    const error = run({ sub: 'a', tenant: 't', tier: 'free', scope: 'service administrator' });
    assert.ok(isHttpError(error));
    assert.equal(error.status, 403);
    assert.equal(error.code, 'FORBIDDEN');
    assert.match(error.message, /"admin"/);
  });

  it('refuses a request that was never authenticated with 401', () => {
    const error = run(undefined);
    assert.ok(isAuthError(error));
    assert.equal(error.status, 401);
  });
});

describe('dev-token --scope', () => {
  const exec = promisify(execFile);
  const script = new URL('../src/auth/dev-token.ts', import.meta.url).pathname;
  const env = { ...process.env, JWT_SECRET: SECRET };

  it('mints the scopes given, repeated or space-separated', async () => {
    const { stdout } = await exec(
      process.execPath,
      [script, '--scope', 'admin', '--scope', 'service rate-limiter:inline'],
      { env },
    );
    assert.equal((await verifyToken(stdout.trim(), SECRET)).scope, 'admin service rate-limiter:inline');
  });

  it('DEV_TOKEN_SCOPE stands in for the flag', async () => {
    const { stdout } = await exec(process.execPath, [script], { env: { ...env, DEV_TOKEN_SCOPE: 'admin' } });
    assert.equal((await verifyToken(stdout.trim(), SECRET)).scope, 'admin');
  });

  it('refuses a malformed scope with exit 2 and nothing on stdout', async () => {
    await assert.rejects(
      exec(process.execPath, [script, '--scope', 'ad"min'], { env }),
      (error: { code?: number; stdout?: string }) => {
        assert.equal(error.code, 2);
        assert.equal(error.stdout, '');
        return true;
      },
    );
  });
});
