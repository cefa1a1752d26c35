// What the lab runs: every service, its front-door routes, its replicas and what it needs. The
// HAProxy and Prometheus configurations are rendered from this list, so a route, a port or a
// scrape target cannot exist in one place and be missing from another.
//
// A service joins the lab when its folder has a `src/main.ts`: the list grows as services land.
import { existsSync } from 'node:fs';

export type LabService = {
  /** The folder under services/ and the HAProxy backend's name. */
  name: string;
  /** The port DESIGN.md gives the service: HAProxy listens there for it, balancing the replicas. */
  port: number;
  replicas: number;
  /** Path prefixes the front door (8080) sends here; regular expressions over the path. */
  routes: string[];
  /**
   * GET paths a signed-in user (the lab's test user, `lab-user`) reads, for the rolling-restart
   * load and smoke checks. Never /health/ready: a draining replica answers it 503 by design.
   */
  readPaths: string[];
  /**
   * Public GET paths that make the service's patterns act (a limiter decision, a cache read), for
   * the series check's load: with a fault during it, the pattern's series appear.
   */
  patternPaths?: string[];
  /** The Postgres database it owns, if any. */
  database?: string;
  redis?: boolean;
  kafka?: boolean;
  /** A `seed` script in its package.json that `npm start -- --seed` runs. */
  seed?: boolean;
  /** Variables of its own, beyond the shared ones (PORT, DATABASE_URL, REDIS_URL, ...). */
  env?: (lab: LabAddresses) => Record<string, string>;
};

export type LabAddresses = {
  frontDoor: string;
  providerSim: string;
  notifications: string;
};

export const FRONT_DOOR_PORT = 8080;
export const HAPROXY_STATS_PORT = 8404;
export const PROMETHEUS_PORT = 9090;
/** The consumer-lag exporter (kafka-lag-exporter.ts here, kafka_exporter in compose): its usual port. */
export const KAFKA_LAG_PORT = 9308;

/**
 * Replica i of a service listens on 10000·i + its port (18082 and 28082 for the rate limiter), on
 * loopback only: clients reach replicas through HAProxy, which alone may set X-Forwarded-For.
 */
export function replicaPort(service: LabService, replica: number): number {
  return 10_000 * (replica + 1) + service.port;
}

/**
 * What notifications and provider-sim share in the lab: the provider API key notifications sends
 * with, and the HMAC key of provider-sim's delivery webhooks. Loopback-only development values, like
 * the services' own defaults, but set on both sides here so neither can drift alone.
 */
const PROVIDER_API_KEY = 'lab-provider-sim-key-0123456789';
const WEBHOOK_SECRET = 'lab-provider-sim-webhook-secret-0123456789';
/** provider-sim's two SMTP sinks: email's primary and secondary provider. */
const SMTP = { host: '127.0.0.1', primary: '2525', secondary: '2526' };

const SERVICES: LabService[] = [
  {
    name: 'url-shortener',
    port: 8081,
    replicas: 2,
    // Also the default backend: `/{code}` redirects have no prefix of their own.
    routes: ['^/v1/urls(/|$)'],
    readPaths: ['/v1/urls'],
    database: 'url_shortener',
    redis: true,
    kafka: true,
    seed: true,
    env: (lab) => ({ PUBLIC_BASE_URL: lab.frontDoor }),
  },
  {
    name: 'rate-limiter',
    port: 8082,
    replicas: 2,
    routes: ['^/v1/(check|rules|tiers|tenants)(/|$)'],
    readPaths: ['/v1/rules', '/v1/tiers'],
    // The demo endpoint runs the limiter middleware (decisions, the Redis breaker) and reads the
    // caller's tier through the policy cache.
    patternPaths: ['/v1/demo/protected'],
    database: 'rate_limiter',
    redis: true,
    // Each replica's insurance limiter grants its share of a rule while Redis is down.
    env: () => ({ LIMITER_INSTANCES: '2' }),
  },
  {
    name: 'notifications',
    port: 8083,
    replicas: 2,
    routes: ['^/v1/(notifications|users|templates|segments|webhooks)(/|$)'],
    readPaths: ['/v1/users/lab-user/preferences'],
    database: 'notifications',
    redis: true,
    kafka: true,
    seed: true,
    env: (lab) => ({
      PROVIDER_HTTP_URL: lab.providerSim,
      PROVIDER_SMTP_HOST: SMTP.host,
      PROVIDER_SMTP_PRIMARY_PORT: SMTP.primary,
      PROVIDER_SMTP_SECONDARY_PORT: SMTP.secondary,
      PROVIDER_API_KEY,
      WEBHOOK_SECRET,
    }),
  },
  {
    name: 'feed',
    port: 8084,
    replicas: 2,
    routes: ['^/v1/(feed|posts|follows)(/|$)'],
    readPaths: ['/v1/feed'],
    database: 'feed',
    redis: true,
    kafka: true,
    seed: true,
  },
  {
    // One instance on purpose: its recordings and fault settings must live in one place.
    name: 'provider-sim',
    port: 8085,
    replicas: 1,
    routes: [],
    readPaths: ['/health/ready'],
    // Delivery reports go back to notifications through its HAProxy frontend (8083), which
    // balances them over both replicas like any other request.
    env: (lab) => ({
      WEBHOOK_URL: `${lab.notifications}/v1/webhooks/provider-sim`,
      SMTP_PRIMARY_PORT: SMTP.primary,
      SMTP_SECONDARY_PORT: SMTP.secondary,
      PROVIDER_API_KEY,
      WEBHOOK_SECRET,
    }),
  },
];

/** The services whose code exists in this checkout. */
export function labServices(repoRoot: URL): LabService[] {
  return SERVICES.filter((service) => existsSync(new URL(`services/${service.name}/src/main.ts`, repoRoot)));
}

/** Every service the lab knows, present or not (for checks that compare configurations). */
export function allLabServices(): readonly LabService[] {
  return SERVICES;
}

/** The service that answers paths no route claims: the URL shortener's `/{code}` redirects. */
export const DEFAULT_BACKEND = 'url-shortener';
