// Bearer tokens without a server: what verifyToken accepts and refuses (expiry, secret, algorithm,
// claims), and the dev:token command run as a child process the way a developer runs it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { SignJWT, UnsecuredJWT } from 'jose';
import { bearerToken, DEV_JWT_SECRET, isAuthError, signDevToken, verifyToken } from '../src/index.ts';

const SECRET = 'unit-test-secret-0123456789abcdef-xyz';
const key = new TextEncoder().encode(SECRET);

async function rejectsWith(promise: Promise<unknown>, code: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isAuthError(error));
    assert.equal(error.status, 401);
    assert.equal(error.code, code);
    return true;
  });
}

describe('tokens', () => {
  it('round-trips sub, tenant and tier', async () => {
    const token = await signDevToken({ sub: 'alice', tenant: 'acme', tier: 'pro', secret: SECRET });
    assert.deepEqual(await verifyToken(token, SECRET), { sub: 'alice', tenant: 'acme', tier: 'pro' });
  });

  it('rejects an expired token as TOKEN_EXPIRED', async () => {
    const token = await signDevToken({ sub: 'a', tenant: 't', tier: 'free', secret: SECRET, expiresIn: -60 });
    await rejectsWith(verifyToken(token, SECRET), 'TOKEN_EXPIRED');
  });

  it('rejects another secret, garbage, alg none and other algorithms', async () => {
    const other = await signDevToken({ sub: 'a', tenant: 't', tier: 'free', secret: `${SECRET}-other` });
    await rejectsWith(verifyToken(other, SECRET), 'TOKEN_INVALID');
    await rejectsWith(verifyToken('not.a.token', SECRET), 'TOKEN_INVALID');
    const unsecured = new UnsecuredJWT({ tenant: 't', tier: 'free' })
      .setSubject('a')
      .setExpirationTime('1h')
      .encode();
    await rejectsWith(verifyToken(unsecured, SECRET), 'TOKEN_INVALID');
    const hs512 = await new SignJWT({ tenant: 't', tier: 'free' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('a')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET.repeat(2)));
    await rejectsWith(verifyToken(hs512, SECRET.repeat(2)), 'TOKEN_INVALID');
  });

  it('rejects a token whose claims are missing or out of range', async () => {
    const noExpiry = await new SignJWT({ tenant: 't', tier: 'free' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .sign(key);
    await rejectsWith(verifyToken(noExpiry, SECRET), 'TOKEN_INVALID');
    const noSubject = await new SignJWT({ tenant: 't', tier: 'free' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(key);
    await rejectsWith(verifyToken(noSubject, SECRET), 'TOKEN_INVALID');
    const noTenant = await new SignJWT({ tier: 'free' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setExpirationTime('1h')
      .sign(key);
    await rejectsWith(verifyToken(noTenant, SECRET), 'TOKEN_INVALID');
    const badTier = await new SignJWT({ tenant: 't', tier: 'platinum' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setExpirationTime('1h')
      .sign(key);
    await rejectsWith(verifyToken(badTier, SECRET), 'TOKEN_INVALID');
  });

  it('refuses to sign claims the services would reject', async () => {
    await assert.rejects(signDevToken({ sub: '', tenant: 't', tier: 'free', secret: SECRET }), TypeError);
    await assert.rejects(
      signDevToken({ sub: 'a', tenant: 't', tier: 'gold' as 'free', secret: SECRET }),
      TypeError,
    );
  });

  it('extracts a bearer token from the Authorization header', () => {
    assert.equal(bearerToken('Bearer abc.def.ghi'), 'abc.def.ghi');
    assert.equal(bearerToken('bearer   abc.def.ghi '), 'abc.def.ghi');
    assert.equal(bearerToken('Basic dXNlcjpwYXNz'), undefined);
    assert.equal(bearerToken('Bearer'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});

describe('dev-token command', () => {
  const run = promisify(execFile);
  const script = new URL('../src/auth/dev-token.ts', import.meta.url).pathname;

  it('prints a token signed with JWT_SECRET carrying the given claims', async () => {
    const { stdout } = await run(
      process.execPath,
      [script, '--sub', 'bob', '--tenant', 'globex', '--tier', 'enterprise'],
      {
        env: { ...process.env, JWT_SECRET: SECRET },
      },
    );
    assert.deepEqual(await verifyToken(stdout.trim(), SECRET), {
      sub: 'bob',
      tenant: 'globex',
      tier: 'enterprise',
    });
  });

  it('falls back to the development secret with a warning on stderr', async () => {
    const env = { ...process.env };
    delete env.JWT_SECRET;
    const { stdout, stderr } = await run(process.execPath, [script], { env });
    assert.match(stderr, /JWT_SECRET is not set/);
    assert.deepEqual(await verifyToken(stdout.trim(), DEV_JWT_SECRET), {
      sub: 'dev-user',
      tenant: 'dev-tenant',
      tier: 'free',
    });
  });

  it('refuses a JWT_SECRET the services would refuse (shorter than 32 characters)', async () => {
    await assert.rejects(
      run(process.execPath, [script], { env: { ...process.env, JWT_SECRET: 'too-short' } }),
      (error: { code?: number; stdout?: string; stderr?: string }) => {
        assert.equal(error.code, 2);
        assert.equal(error.stdout, '', 'no token is printed');
        assert.match(error.stderr ?? '', /JWT_SECRET must be at least 32 characters/);
        return true;
      },
    );
  });

  it('refuses an unknown tier, an empty subject, an unreadable expiry and an unknown flag with exit 2 and one line', async () => {
    for (const args of [
      ['--tier', 'gold'],
      ['--sub', ''],
      ['--expires', 'soon'],
      ['--user', 'alice'],
    ]) {
      await assert.rejects(
        run(process.execPath, [script, ...args], { env: { ...process.env, JWT_SECRET: SECRET } }),
        (error: { code?: number; stdout?: string; stderr?: string }) => {
          assert.equal(error.code, 2, args.join(' '));
          assert.equal(error.stdout, '', 'no token is printed');
          assert.doesNotMatch(error.stderr ?? '', /\n\s+at /, 'no stack trace');
          return true;
        },
      );
    }
  });
});
