// The benchmark's express app, run in its own process so the load generator (autocannon, in the
// suite's process) and the server do not share one event loop. Every variant is a route of the
// SAME app with the same handler; only the limiter in front of it differs. Each Redis-backed
// variant has its own connection, whose commands are counted (Redis calls per request).
// Prints `listening <port>` when ready. GET /__stats and POST /__reset serve the counters.
import { createHash } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { createRateLimiter, ipKey, type Rule, rateLimitMiddleware } from '../src/index.ts';
import { singleScript } from '../src/scripts.ts';
import { writeCoalescer } from '../src/write-coalescer.ts';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench:rl:${process.pid}:`;
// High enough that every request is admitted during a run (the point is the cost of asking).
const HIGH = 1_000_000_000;
const MINUTE = 60_000;

const stats = new Map<string, { requests: number; commands: number }>();
const statsOf = (name: string) => {
  let entry = stats.get(name);
  if (!entry) {
    entry = { requests: 0, commands: 0 };
    stats.set(name, entry);
  }
  return entry;
};

async function countedClient(name: string, options: { enableAutoPipelining?: boolean } = {}): Promise<Redis> {
  const client = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, ...options });
  await new Promise((resolve) => client.once('ready', resolve));
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    statsOf(name).commands += 1;
    return send(...args);
  }) as Redis['sendCommand'];
  return client;
}

const counted =
  (name: string): RequestHandler =>
  (_req, _res, next) => {
    statsOf(name).requests += 1;
    next();
  };

const handler: RequestHandler = (_req, res) => {
  res.json({ ok: true });
};

const registry = new Registry();
const rule = (name: string, algorithm: Rule['algorithm'], limit = HIGH): Rule => ({
  name,
  algorithm,
  limit,
  windowMs: MINUTE,
});

// (b) The floor: the same sliding-window-counter script by EVALSHA straight from the handler
// chain, no limiter around it, no headers, with the SAME write coalescing the limiter uses: what
// one round trip costs in this app, sent the way the limiter sends it. `evalsha-uncorked` is the
// same call without coalescing (one write per command), to show what coalescing itself is worth.
const floorScript = singleScript('sliding-window-counter');
const floorSha = createHash('sha1').update(floorScript).digest('hex');
const evalshaRoute = async (name: string, corked: boolean): Promise<RequestHandler> => {
  const client = await countedClient(name);
  await client.script('LOAD', floorScript);
  const coalesce = corked ? writeCoalescer(client) : () => {};
  return (req, _res, next) => {
    coalesce();
    client
      .evalsha(floorSha, 1, `${prefix}{${name}:${req.ip}}:swc`, HIGH, MINUTE, HIGH, 1)
      .then(() => next(), next);
  };
};
const floor = await evalshaRoute('floor', true);
const uncorked = await evalshaRoute('evalsha-uncorked', false);

// (c) This library's middleware: sliding window counter, and token bucket.
const lab = (name: string, client: Redis, labRule: Rule) =>
  rateLimitMiddleware({
    limiter: createRateLimiter({ redis: client, prefix, registry, name }),
    levels: [{ rule: labRule, key: ipKey() }],
  });
const swc = lab('swc', await countedClient('lab-swc'), rule('swc', 'sliding-window-counter'));
const tb = lab('tb', await countedClient('lab-tb'), rule('tb', 'token-bucket'));
// The in-memory block: a limit of 1, so after the first request every one is refused locally.
const blocked = lab(
  'blocked',
  await countedClient('lab-blocked'),
  rule('blocked', 'sliding-window-counter', 1),
);

// (d) rate-limiter-flexible's RateLimiterRedis, with the middleware its README suggests: on a
// plain ioredis client (one write per command), and on one with `enableAutoPipelining: true`,
// ioredis's own way to batch the commands of one event-loop turn (the like-for-like of coalescing).
const rlflxRoute = async (name: string, enableAutoPipelining: boolean): Promise<RequestHandler> => {
  const limiter = new RateLimiterRedis({
    storeClient: await countedClient(name, { enableAutoPipelining }),
    keyPrefix: `${prefix}${name}`,
    points: HIGH,
    duration: 60,
  });
  return (req, res, next) => {
    limiter.consume(req.ip ?? 'unknown').then(
      () => next(),
      () => {
        res.status(429).send('Too Many Requests');
      },
    );
  };
};
const rlflx = await rlflxRoute('rlflx', false);
const rlflxPipelined = await rlflxRoute('rlflx-autopipe', true);

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/none', counted('none'), handler);
app.get('/floor', counted('floor'), floor, handler);
app.get('/evalsha-uncorked', counted('evalsha-uncorked'), uncorked, handler);
app.get('/lab-swc', counted('lab-swc'), swc, handler);
app.get('/lab-tb', counted('lab-tb'), tb, handler);
app.get('/lab-blocked', counted('lab-blocked'), blocked, handler);
app.get('/rlflx', counted('rlflx'), rlflx, handler);
app.get('/rlflx-autopipe', counted('rlflx-autopipe'), rlflxPipelined, handler);
// Server CPU since the last reset: the variants run one at a time, so it is one variant's cost.
let cpuSince = process.cpuUsage();
app.get('/__stats', (_req, res) => {
  const cpu = process.cpuUsage(cpuSince);
  res.json({ cpuMicros: cpu.user + cpu.system, routes: Object.fromEntries(stats) });
});
app.post('/__reset', (_req, res) => {
  stats.clear();
  cpuSince = process.cpuUsage();
  res.end();
});

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', async () => {
  server.close();
  const admin = new Redis(redisUrl);
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
  process.exit(0);
});
