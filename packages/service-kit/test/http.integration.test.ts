// The example app's HTTP edge against real Postgres and Redis: problem+json for every kind of
// failure (never a stack trace or an internal message), auth 401s, request ids and metrics labels.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { INTERNAL_SECRET_MESSAGE } from './fixtures/example-app.ts';
import { type Example, startExample, tokenFor } from './fixtures/harness.ts';

let example: Example;
before(async () => {
  example = await startExample('sk_http');
});
after(() => example?.close());

type Sent = { status: number; headers: Headers; text: string; json: Record<string, unknown> };

async function send(path: string, init: RequestInit = {}): Promise<Sent> {
  const response = await fetch(`${example.url}${path}`, init);
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: json stays empty and the assertions on it fail with the text in the message
  }
  return { status: response.status, headers: response.headers, text, json };
}

const postJson = (path: string, body: string, headers: Record<string, string> = {}) =>
  send(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

function assertProblem(sent: Sent, status: number, code: string, instance: string) {
  assert.equal(sent.status, status, sent.text);
  assert.match(sent.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const body = sent.json;
  for (const member of ['type', 'title', 'status', 'detail', 'instance', 'code', 'requestId']) {
    assert.ok(member in body, `problem has ${member}: ${sent.text}`);
  }
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(body.instance, instance);
  assert.equal(body.requestId, sent.headers.get('x-request-id'));
  // No stack frames, file paths or internal messages in any problem body.
  assert.doesNotMatch(
    sent.text,
    /\bat [\w.<>]+ \(|\.ts:\d+|node_modules|hunter2|ECONNREFUSED|Cannot read properties/,
  );
}

describe('problem+json', () => {
  it('answers malformed JSON with 400', async () => {
    const sent = await postJson('/v1/items', '{"name": "a",', {
      authorization: `Bearer ${await tokenFor('u1')}`,
    });
    assertProblem(sent, 400, 'MALFORMED_JSON', '/v1/items');
  });

  it('answers an oversized body with 413', async () => {
    const sent = await postJson('/v1/items', JSON.stringify({ name: 'x'.repeat(20_000) }), {
      authorization: `Bearer ${await tokenFor('u1')}`,
    });
    assertProblem(sent, 413, 'PAYLOAD_TOO_LARGE', '/v1/items');
  });

  it('answers a body that is not JSON with 415, whatever the route', async () => {
    const auth = { authorization: `Bearer ${await tokenFor('u1')}` };
    const asText = await send('/v1/items', {
      method: 'POST',
      body: '{"name":"a"}',
      headers: { ...auth, 'content-type': 'text/plain' },
    });
    assertProblem(asText, 415, 'UNSUPPORTED_MEDIA_TYPE', '/v1/items');
    const asForm = await send('/v1/items', {
      method: 'POST',
      body: new URLSearchParams({ name: 'a' }),
      headers: auth,
    });
    assertProblem(asForm, 415, 'UNSUPPORTED_MEDIA_TYPE', '/v1/items');
    const untyped = await send('/v1/items', {
      method: 'POST',
      body: new Blob(['{"name":"a"}']),
      headers: auth,
    });
    assertProblem(untyped, 415, 'UNSUPPORTED_MEDIA_TYPE', '/v1/items');
    // A JSON subtype is JSON; a bodiless request needs no Content-Type.
    const merged = await postJson('/v1/items', JSON.stringify({ name: 'merge' }), {
      ...auth,
      'content-type': 'application/merge-patch+json',
    });
    assert.equal(merged.status, 201, merged.text);
    assert.equal((await send('/v1/me', { headers: auth })).status, 200);
  });

  it('answers an unknown route with 404', async () => {
    assertProblem(await send('/v1/nothing/here?x=1'), 404, 'NOT_FOUND', '/v1/nothing/here');
    assertProblem(await send('/v1/items/1', { method: 'DELETE' }), 404, 'NOT_FOUND', '/v1/items/1');
  });

  it('answers a path parameter that is not valid percent-encoding with 400', async () => {
    assertProblem(await send('/v1/items/%E0%A4%A'), 400, 'MALFORMED_PATH', '/v1/items/%E0%A4%A');
  });

  it('answers a zod validation failure with 400 and field errors', async () => {
    const sent = await postJson('/v1/items', JSON.stringify({ name: '' }), {
      authorization: `Bearer ${await tokenFor('u1')}`,
    });
    assertProblem(sent, 400, 'VALIDATION_FAILED', '/v1/items');
    assert.deepEqual(
      (sent.json.errors as { path: string }[]).map((e) => e.path),
      ['name'],
    );
    assertProblem(await send('/v1/items/abc'), 400, 'VALIDATION_FAILED', '/v1/items/abc');
  });

  it('answers thrown errors, sync and async, with a generic 500', async () => {
    for (const path of ['/v1/boom', '/v1/boom-async']) {
      const sent = await send(path);
      assertProblem(sent, 500, 'INTERNAL', path);
      assert.equal(sent.json.detail, 'An unexpected error occurred.');
      assert.ok(!sent.text.includes(INTERNAL_SECRET_MESSAGE));
    }
  });

  it('cuts the connection when a handler fails after the response started', async () => {
    const response = await fetch(`${example.url}/v1/half-sent`);
    assert.equal(response.status, 200);
    // The body must not look complete: the client sees the connection end mid-response.
    await assert.rejects(response.text());
    // The process survived and keeps serving.
    assert.equal((await send('/health/live')).status, 200);
  });

  it('passes an HttpError status and detail through', async () => {
    const sent = await send('/v1/teapot');
    assertProblem(sent, 418, 'TEAPOT', '/v1/teapot');
    assert.equal(sent.json.detail, 'I am a teapot.');
  });
});

describe('auth', () => {
  it('401s without a token, with a bad one and with an expired one', async () => {
    const missing = await send('/v1/me');
    assertProblem(missing, 401, 'UNAUTHENTICATED', '/v1/me');
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');

    const garbage = await send('/v1/me', { headers: { authorization: 'Bearer abc.def.ghi' } });
    assertProblem(garbage, 401, 'TOKEN_INVALID', '/v1/me');
    assert.match(garbage.headers.get('www-authenticate') ?? '', /invalid_token/);

    const { signDevToken } = await import('../src/index.ts');
    const expired = await signDevToken({
      sub: 'u',
      tenant: 't',
      tier: 'free',
      secret: example.service.deps.config.JWT_SECRET,
      expiresIn: -5,
    });
    assertProblem(
      await send('/v1/me', { headers: { authorization: `Bearer ${expired}` } }),
      401,
      'TOKEN_EXPIRED',
      '/v1/me',
    );

    const wrongSecret = await signDevToken({ sub: 'u', tenant: 't', tier: 'free', secret: 'x'.repeat(40) });
    assertProblem(
      await send('/v1/me', { headers: { authorization: `Bearer ${wrongSecret}` } }),
      401,
      'TOKEN_INVALID',
      '/v1/me',
    );
  });

  it('401s a protected POST without a token', async () => {
    assertProblem(
      await postJson('/v1/items', JSON.stringify({ name: 'a' })),
      401,
      'UNAUTHENTICATED',
      '/v1/items',
    );
  });

  it('hands the verified claims to the handler', async () => {
    const sent = await send('/v1/me', {
      headers: { authorization: `Bearer ${await tokenFor('carol', 'enterprise', 'initech')}` },
    });
    assert.equal(sent.status, 200);
    assert.deepEqual(sent.json, { sub: 'carol', tenant: 'initech', tier: 'enterprise' });
  });
});

describe('request id', () => {
  it('echoes a valid X-Request-Id and replaces an invalid one', async () => {
    const kept = await send('/health/live', { headers: { 'x-request-id': 'client-id-123' } });
    assert.equal(kept.headers.get('x-request-id'), 'client-id-123');
    const replaced = await send('/v1/nothing', { headers: { 'x-request-id': 'bad id with spaces' } });
    assert.notEqual(replaced.headers.get('x-request-id'), 'bad id with spaces');
    assert.equal(replaced.json.requestId, replaced.headers.get('x-request-id'));
  });
});

describe('metrics', () => {
  it('labels the duration histogram with route templates, never raw paths', async () => {
    assert.equal((await send('/v1/items/123')).status, 200);
    assert.equal((await send('/v1/items/456')).status, 200);
    assert.equal((await send('/v1/no-such-route/789')).status, 404);
    const metrics = await send('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(
      metrics.text,
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/items\/:id",status_code="200"\} 2/,
    );
    assert.match(
      metrics.text,
      /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/v1\/items\/:id"/,
    );
    assert.match(metrics.text, /route="unmatched",status_code="404"/);
    for (const raw of ['/v1/items/123', '/v1/items/456', '/v1/no-such-route/789']) {
      assert.ok(!metrics.text.includes(raw), `raw path ${raw} leaked into metrics`);
    }
    // Default process metrics come with every service's own registry.
    assert.match(metrics.text, /process_cpu_user_seconds_total/);
    assert.match(metrics.text, /nodejs_eventloop_lag_seconds/);
  });
});

describe('health', () => {
  it('reports live and ready with each check listed', async () => {
    assert.equal((await send('/health/live')).status, 200);
    const ready = await send('/health/ready');
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual(
      (ready.json.checks as { name: string; ok: boolean }[]).map((c) => [c.name, c.ok]),
      [
        ['postgres', true],
        ['redis', true],
      ],
    );
  });
});
