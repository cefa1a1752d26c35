// toProblem as a pure mapping: which thrown values keep their status and detail, and which
// become a generic 500 with nothing internal in the body.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError, problem, toProblem, z } from '../src/index.ts';

describe('toProblem', () => {
  it('keeps an HttpError status, code and detail', () => {
    const body = toProblem(new HttpError(409, 'ALREADY_EXISTS', 'That code is taken.'));
    assert.deepEqual(body, {
      type: 'urn:lab:problem:already-exists',
      title: 'Conflict',
      status: 409,
      detail: 'That code is taken.',
      code: 'ALREADY_EXISTS',
    });
  });

  it('maps a zod error to 400 with field errors', () => {
    const parsed = z.object({ url: z.url(), n: z.number() }).safeParse({ url: 'nope', n: 'x' });
    assert.equal(parsed.success, false);
    const body = toProblem(parsed.error);
    assert.equal(body.status, 400);
    assert.equal(body.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      (body.errors as { path: string }[]).map((e) => e.path),
      ['url', 'n'],
    );
  });

  it('maps body-parser errors by their type', () => {
    assert.equal(toProblem({ type: 'entity.parse.failed', status: 400 }).code, 'MALFORMED_JSON');
    assert.equal(toProblem({ type: 'entity.too.large', status: 413 }).status, 413);
    assert.equal(toProblem({ type: 'charset.unsupported', status: 415 }).status, 415);
  });

  it('turns any other error into a generic 500 without its message or stack', () => {
    const error = new Error('duplicate key value violates unique constraint "users_pkey" at 10.0.0.5');
    const body = toProblem(error);
    assert.equal(body.status, 500);
    assert.equal(body.code, 'INTERNAL');
    const text = JSON.stringify(body);
    assert.doesNotMatch(text, /users_pkey|10\.0\.0\.5|at |stack/);
  });

  it('keeps a 4xx status of an exposed http error but not its message', () => {
    const body = toProblem(Object.assign(new Error('internal words'), { status: 405, expose: true }));
    assert.equal(body.status, 405);
    assert.doesNotMatch(JSON.stringify(body), /internal words/);
  });

  it("maps the router's undecodable path parameter to 400 without echoing it", () => {
    const error = Object.assign(new URIError("Failed to decode param '%E0%A4'"), { status: 400 });
    const body = toProblem(error);
    assert.equal(body.status, 400);
    assert.equal(body.code, 'MALFORMED_PATH');
    assert.doesNotMatch(JSON.stringify(body), /%E0/);
    assert.equal(toProblem(new URIError('URI malformed')).status, 500, 'a URIError of our own is a bug');
  });

  it('does not trust a status on a non-exposed error', () => {
    assert.equal(toProblem(Object.assign(new Error('x'), { status: 404 })).status, 500);
    assert.equal(toProblem('a thrown string').status, 500);
    assert.equal(toProblem(undefined).status, 500);
  });

  it('builds RFC 9457 members with a default title per status', () => {
    assert.deepEqual(problem({ status: 429, code: 'RATE_LIMITED', extensions: { retryAfter: 3 } }), {
      type: 'urn:lab:problem:rate-limited',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Too Many Requests',
      code: 'RATE_LIMITED',
      retryAfter: 3,
    });
  });
});
