// Renders the HAProxy configuration of the local lab from the service catalogue: the front door
// on 8080 routing by path prefix, one frontend per service on the service's own port, and one
// backend per service balancing its replicas.
//
// The choices, each for a pattern the lab shows:
// - leastconn: a replica busy with slow requests (an SSE stream, a cold cache) gets fewer new ones.
// - active checks of /health/ready every second, down after 3 failures: a draining replica reports
//   not-ready for SHUTDOWN_DRAIN_MS (6 s in the lab), so it leaves the pool before it stops listening.
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

/** Where the rendered config runs: the local lab (loopback) or docker compose (the lab network). */
export type Topology = 'local' | 'compose';

/** Where replica `i` of a service listens, as HAProxy and Prometheus reach it. */
export function replicaAddress(service: LabService, replica: number, topology: Topology): string {
  if (topology === 'local') return `127.0.0.1:${replicaPort(service, replica)}`;
  // In compose a replicated service's containers are `<name>-1`, `<name>-2`; a single one is `<name>`.
  const host = service.replicas === 1 ? service.name : `${service.name}-${replica + 1}`;
  return `${host}:${service.port}`;
}

function bindAddress(port: number, topology: Topology): string {
  return topology === 'local' ? `127.0.0.1:${port}` : `:${port}`;
}

export function renderHaproxyConfig(
  services: LabService[],
  options: { runDir: string; topology?: Topology },
): string {
  const topology = options.topology ?? 'local';
  const routed = services.filter((service) => service.routes.length > 0 || service.name === DEFAULT_BACKEND);
  const fallback = routed.some((service) => service.name === DEFAULT_BACKEND)
    ? DEFAULT_BACKEND
    : NOT_FOUND_BACKEND;
  return [
    globalAndDefaults(options.runDir, topology),
    statsFrontend(topology),
    frontDoor(routed, fallback, topology),
    ...services.map((service) => serviceFrontend(service, topology)),
    ...services.map((service) => serviceBackend(service, topology)),
    notFoundBackend(),
  ].join('\n');
}

function globalAndDefaults(runDir: string, topology: Topology): string {
  // In compose a replica's address comes from Docker's DNS, and may not resolve yet when HAProxy
  // starts: resolve at run time and start with the server down rather than refuse to start.
  const resolvers =
    topology === 'compose'
      ? `
resolvers docker
  nameserver dns 127.0.0.11:53
  hold valid 5s
`
      : '';
  const serverDefaults = topology === 'compose' ? ' resolvers docker init-addr last,libc,none' : '';
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
  # A check may take up to 3 s on a busy machine before it counts as failed; 3 failures in a row
  # mark a replica down, so one slow answer does not empty a backend.
  timeout check 3s
  default-server inter 1s fall 3 rise 2${serverDefaults}
${resolvers}`;
}

function statsFrontend(topology: Topology): string {
  return `frontend stats
  bind ${bindAddress(HAPROXY_STATS_PORT, topology)}
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

function frontDoor(services: LabService[], fallback: string, topology: Topology): string {
  const acls = services.flatMap((service) =>
    service.routes.map((pattern) => `  acl to_${service.name} path_reg ${pattern}`),
  );
  const uses = services
    .filter((service) => service.routes.length > 0)
    .map((service) => `  use_backend ${service.name} if to_${service.name}`);
  return `frontend front-door
  bind ${bindAddress(FRONT_DOOR_PORT, topology)}
${forwardedFor()}
${[...acls, ...uses].join('\n')}
  default_backend ${fallback}
`;
}

function serviceFrontend(service: LabService, topology: Topology): string {
  return `frontend ${service.name}
  bind ${bindAddress(service.port, topology)}
${forwardedFor()}
  default_backend ${service.name}
`;
}

function serviceBackend(service: LabService, topology: Topology): string {
  const servers = Array.from(
    { length: service.replicas },
    (_, i) => `  server r${i + 1} ${replicaAddress(service, i, topology)} check`,
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
