// The services the contract fuzz runs against, one line each. A new service joins by adding its
// line: name, port ('auto' = a free loopback port), the command that starts it (run from the repo
// root), its OpenAPI document, and the scopes of the token the fuzz sends (enough to pass every
// authorization check, so the fuzz reaches the handlers). Optional: a schemathesis.toml next to
// the document, for per-operation settings (see services/rate-limiter/schemathesis.toml).
export type FuzzTarget = {
  name: string;
  port: number | 'auto';
  start: string;
  openapi: string;
  scopes: string;
};

export const TARGETS: FuzzTarget[] = [
  {
    name: 'rate-limiter',
    port: 'auto',
    start: 'node services/rate-limiter/src/main.ts',
    openapi: 'services/rate-limiter/openapi.yaml',
    scopes: 'admin service rate-limiter:inline',
  },
  {
    name: 'url-shortener',
    port: 'auto',
    // Its own topic prefix keeps the fuzz's events out of the lab's real topics.
    start: 'env KAFKA_TOPIC_PREFIX=fuzz. node services/url-shortener/src/main.ts',
    openapi: 'services/url-shortener/openapi.yaml',
    scopes: '',
  },
  {
    name: 'feed',
    port: 'auto',
    start: 'env FANOUT_GROUP=feed-fuzz node services/feed/src/main.ts',
    openapi: 'services/feed/openapi.yaml',
    scopes: '',
  },
];
