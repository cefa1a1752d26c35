// Who a request counts against. Each extractor returns a key, or undefined when it does not apply
// (no token on the request: the user level is skipped and the IP level still holds).
//
// IP and proxies: ipKey reads express's `req.ip`, which honours the app's 'trust proxy' setting.
// Without it (the default) req.ip is the socket peer, so behind HAProxy every client looks like
// the proxy and shares ONE bucket. With `app.set('trust proxy', 1)` (one hop: our HAProxy) express
// takes the right-most untrusted address of X-Forwarded-For. Never trust the header blindly
// ('trust proxy' = true): a client could then send any X-Forwarded-For and get a fresh bucket per
// request. IPv6 clients usually own a whole /64 (or /56), so the key is the prefix, not the address.
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { Request, Response } from 'express';
import { IP_KEY_DEFAULTS } from './defaults.ts';

export type KeyExtractor = (req: Request, res: Response) => string | undefined;

/** The client address per express's trust-proxy rules; IPv6 reduced to its /`ipv6Subnet` prefix. */
export function ipKey({
  ipv6Subnet = IP_KEY_DEFAULTS.ipv6Subnet,
}: {
  /** @default 64 — IP_KEY_DEFAULTS.ipv6Subnet: one IPv6 client usually holds a /64 */
  ipv6Subnet?: number;
} = {}): KeyExtractor {
  if (!Number.isInteger(ipv6Subnet) || ipv6Subnet < 1 || ipv6Subnet > 128) {
    throw new RangeError('ipv6Subnet must be an integer from 1 to 128');
  }
  return (req) => clientAddressKey(req.ip ?? req.socket.remoteAddress, ipv6Subnet);
}

export function clientAddressKey(
  address: string | undefined,
  ipv6Subnet: number = IP_KEY_DEFAULTS.ipv6Subnet,
): string | undefined {
  if (!address) return undefined;
  if (!address.includes(':')) return isIPv4(address) ? address : undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]; // an IPv4 client on a dual-stack socket
  const bare = address.split('%')[0] ?? address; // drop a zone id (fe80::1%eth0)
  if (!isIPv6(bare)) return undefined;
  return `${ipv6Prefix(bare, ipv6Subnet)}/${ipv6Subnet}`;
}

/** The first `bits` bits of an IPv6 address, as 8 full hextets (zero-filled), e.g. 2001:db8:0:0:0:0:0:0. */
export function ipv6Prefix(address: string, bits: number): string {
  const [head = '', tail] = address.toLowerCase().split('::');
  const parse = (part: string) => (part ? part.split(':') : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4 style) is two hextets.
  const last = right.length > 0 ? right : left;
  const dotted = last[last.length - 1];
  if (dotted?.includes('.')) {
    const octets = dotted.split('.').map(Number);
    last.splice(
      last.length - 1,
      1,
      (((octets[0] ?? 0) << 8) | (octets[1] ?? 0)).toString(16),
      (((octets[2] ?? 0) << 8) | (octets[3] ?? 0)).toString(16),
    );
  }
  const zeros = new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  const hextets = [...left, ...(tail === undefined ? [] : zeros), ...right].map(
    (h) => Number.parseInt(h, 16) || 0,
  );
  return hextets
    .map((value, i) => {
      const keep = Math.min(16, Math.max(0, bits - i * 16));
      const mask = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
      return (value & mask).toString(16);
    })
    .join(':');
}

/**
 * A claim of the verified JWT. service-kit's requireAuth() puts the claims on `res.locals.auth`
 * (sub = user, tenant, tier); an app that uses `req.auth` instead works too.
 */
export function claimKey(claim: string): KeyExtractor {
  return (req, res) => {
    const auth = (res.locals.auth ?? (req as Request & { auth?: unknown }).auth) as
      | Record<string, unknown>
      | undefined;
    const value = auth?.[claim];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
}

/** The user: the token's `sub`. */
export const userKey = (): KeyExtractor => claimKey('sub');

/** The tenant: the token's `tenant`. */
export const tenantKey = (): KeyExtractor => claimKey('tenant');

/**
 * An API key from a header, hashed: the raw key is a secret and Redis key names show up in
 * MONITOR, slow logs and SCAN output.
 */
export function apiKeyKey({ header = 'x-api-key' }: { header?: string } = {}): KeyExtractor {
  const name = header.toLowerCase();
  return (req) => {
    const value = req.headers[name];
    const key = Array.isArray(value) ? value[0] : value;
    if (!key) return undefined;
    return `k_${createHash('sha256').update(key).digest('base64url').slice(0, 22)}`;
  };
}

/** Paths longer than this are hashed: the fallback path is the client's, and keys are bounded. */
const MAX_PATH_IN_KEY = 200;

/**
 * The route TEMPLATE (`GET /v1/items/:id`), so per-endpoint limits count an endpoint, not each of
 * its URLs. It is known once a route matched, so mount the middleware on the route itself; used
 * app-wide before routing it falls back to the path. That path is whatever the client sent, so a
 * long one becomes a hash: still one key per path, never a key the limiter refuses (a 500).
 */
export function routeKey(): KeyExtractor {
  return (req) => {
    const route = (req.route as { path?: unknown } | undefined)?.path;
    const path = `${req.baseUrl}${typeof route === 'string' ? route : req.path}`;
    if (path.length <= MAX_PATH_IN_KEY) return `${req.method} ${path}`;
    return `${req.method} h_${createHash('sha256').update(path).digest('base64url')}`;
  };
}

/** The same key for every request: a global level. */
export function globalKey(name = 'all'): KeyExtractor {
  return () => name;
}

/** Joins extractors (`user` + `route` = per user per endpoint); undefined if any part is. */
export function combineKeys(...parts: KeyExtractor[]): KeyExtractor {
  return (req, res) => {
    const values: string[] = [];
    for (const part of parts) {
      const value = part(req, res);
      if (value === undefined) return undefined;
      values.push(value);
    }
    return values.join('|');
  };
}
