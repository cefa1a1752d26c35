// Renders the HAProxy configuration of the local lab from the service catalogue: the front door
// on 8080 routing by path prefix, one frontend per service on the service's own port, and one
// backend per service balancing its replicas.
//
// The choices, each for a pattern the lab shows:
// - leastconn: a replica busy with slow requests (an SSE stream, a cold cache) gets fewer new ones.
// - active checks of /health/ready every second, down after 2 failures: a draining replica reports
//   not-ready for SHUTDOWN_DRAIN_MS (3 s in the lab), so it leaves the pool before it stops listening.
//   That and `retry-on conn-failure` for requests that met a closing socket give rolling restarts
//   with no failed request.
// - X-Forwarded-For is deleted, then set by HAProxy: replicas trust one proxy hop, so a client
//   cannot choose the address the rate limiter keys on.
import {
  DEFAULT_BACKEND,
  FRONT_DOOR_PORT,
  HAPROXY_STATS_PORT,
  type LabService,
  replicaPort,
} from './catalogue.ts';

const NOT_FOUND_BACKEND = 'no-route';

export function renderHaproxyConfig(services: LabService[], options: { runDir: string }): string {
  const routed = services.filter((service) => service.routes.length > 0 || service.name === DEFAULT_BACKEND);
  const fallback = routed.some((service) => service.name === DEFAULT_BACKEND)
    ? DEFAULT_BACKEND
    : NOT_FOUND_BACKEND;
  return [
    globalAndDefaults(options.runDir),
    statsFrontend(),
    frontDoor(routed, fallback),
    ...services.map(serviceFrontend),
    ...services.map(serviceBackend),
    notFoundBackend(),
  ].join('\n');
}

function globalAndDefaults(runDir: string): string {
  return `global
  maxconn 4096
  # The admin socket lets a user drain a replica by hand: echo "disable server feed/r1" | socat ...
  stats socket ${runDir}/haproxy.sock mode 600 level admin

defaults
  mode http
  option httplog
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-request 10s
  # SSE streams (the feed's live updates) stay open; heartbeats keep them below this.
  timeout tunnel 1h
  retries 2
  retry-on conn-failure empty-response
  option redispatch
  default-server inter 1s fall 2 rise 2
`;
}

function statsFrontend(): string {
  return `frontend stats
  bind 127.0.0.1:${HAPROXY_STATS_PORT}
  http-request use-service prometheus-exporter if { path /metrics }
  stats enable
  stats uri /
  stats refresh 5s
`;
}

function forwardedFor(): string {
  return `  http-request del-header x-forwarded-for
  option forwardfor`;
}

function frontDoor(services: LabService[], fallback: string): string {
  const acls = services.flatMap((service) =>
    service.routes.map((pattern) => `  acl to_${service.name} path_reg ${pattern}`),
  );
  const uses = services
    .filter((service) => service.routes.length > 0)
    .map((service) => `  use_backend ${service.name} if to_${service.name}`);
  return `frontend front-door
  bind 127.0.0.1:${FRONT_DOOR_PORT}
${forwardedFor()}
${[...acls, ...uses].join('\n')}
  default_backend ${fallback}
`;
}

function serviceFrontend(service: LabService): string {
  return `frontend ${service.name}
  bind 127.0.0.1:${service.port}
${forwardedFor()}
  default_backend ${service.name}
`;
}

function serviceBackend(service: LabService): string {
  const servers = Array.from(
    { length: service.replicas },
    (_, i) => `  server r${i + 1} 127.0.0.1:${replicaPort(service, i)} check`,
  );
  return `backend ${service.name}
  balance leastconn
  option httpchk GET /health/ready
  http-check expect status 200
${servers.join('\n')}
`;
}

function notFoundBackend(): string {
  const body = JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, code: 'NO_ROUTE' });
  return `backend ${NOT_FOUND_BACKEND}
  http-request return status 404 content-type application/problem+json string '${body}'
`;
}
