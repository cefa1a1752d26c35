// One HTTP call to a service under test, as the services' tests make them: a JSON body and a
// bearer token when given, redirects not followed (a 3xx is an answer to assert), and the reply's
// body parsed when it is JSON (problem+json included), else `{}`.
export type CallReply = { status: number; headers: Headers; body: Record<string, unknown> };

export type CallOptions = { body?: unknown; token?: string; headers?: Record<string, string> };

export async function call(
  base: string,
  method: string,
  path: string,
  { body, token, headers = {} }: CallOptions = {},
): Promise<CallReply> {
  const response = await fetch(`${base}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const json = /json/.test(response.headers.get('content-type') ?? '') && text !== '';
  return {
    status: response.status,
    headers: response.headers,
    body: json ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}
