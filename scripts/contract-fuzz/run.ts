// The contract fuzz: for each service in services.ts, start it on a loopback port with a database
// and Redis key space of its own, then let Schemathesis send what its OpenAPI document allows (and
// what it does not) with every check on, for a bounded time. Any failure (a 5xx, an undocumented
// status, a schema-valid request refused, an invalid one accepted, a body off its schema, a
// missing Allow on 405…) fails the run. Run it with `bash scripts/contract-fuzz.sh`.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { signDevToken } from '@lab/service-kit';
import { createTestDatabase, createTestRedis, waitUntil } from '@lab/testkit';
import { type FuzzTarget, TARGETS } from './services.ts';

const root = new URL('../../', import.meta.url).pathname;
/** Seconds of fuzzing per service; the whole run stays within CI's budget for this step. */
// biome-ignore lint/suspicious/noUndeclaredEnvVars: a CI script, not a turbo task; nothing is cached
const SECONDS = Number(process.env.CONTRACT_FUZZ_SECONDS ?? 50);
const logDir = join(root, '.lab', 'contract-fuzz');

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function schemathesis(): string {
  const found = spawnSync('bash', [join(root, 'scripts/contract-fuzz/ensure-schemathesis.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (found.status !== 0) throw new Error('contract-fuzz: could not install Schemathesis');
  return found.stdout.trim();
}

async function fuzz(target: FuzzTarget, st: string): Promise<boolean> {
  const db = await createTestDatabase(`fuzz_${target.name.replaceAll('-', '_')}`);
  const redis = await createTestRedis(`fuzz-${target.name}`);
  const secret = randomBytes(24).toString('hex');
  const port = target.port === 'auto' ? await freeLoopbackPort() : target.port;
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `${target.name}.log`));
  const child = spawn('sh', ['-c', `exec ${target.start}`], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      JWT_SECRET: secret,
      LOG_LEVEL: 'warn',
      SHUTDOWN_DRAIN_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  try {
    await waitUntil(
      async () => {
        if (exited) throw new Error(`${target.name} exited during start-up; see ${log.path}`);
        return (await fetch(`${url}/health/ready`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 60_000, message: `${target.name} ready at ${url}` },
    );
    const token = await signDevToken({
      sub: 'contract-fuzz',
      tenant: 'contract-fuzz',
      tier: 'enterprise',
      // A token without scopes has no `scope` claim at all (an empty one is not a valid claim).
      ...(target.scopes ? { scope: target.scopes } : {}),
      secret,
    });
    const config = join(dirname(join(root, target.openapi)), 'schemathesis.toml');
    const args = [
      ...(existsSync(config) ? ['--config-file', config] : []),
      'run',
      join(root, target.openapi),
      '--url',
      url,
      '--header',
      `Authorization: Bearer ${token}`,
      '--checks',
      'all',
      '--max-time',
      String(SECONDS),
      '--no-color',
      // Anything after `scripts/contract-fuzz.sh`, e.g. `--phases stateful` or `--seed 42`.
      ...process.argv.slice(2),
    ];
    console.log(`::: contract fuzz ${target.name} at ${url} (${SECONDS} s)`);
    const hooks = join(root, 'scripts/contract-fuzz/hooks.py');
    // Run from .lab/contract-fuzz: Schemathesis keeps its example database (.schemathesis/) in the
    // working directory, and that belongs with the logs, out of the work tree.
    const run = spawnSync(st, args, {
      cwd: logDir,
      stdio: 'inherit',
      env: { ...process.env, SCHEMATHESIS_HOOKS: hooks },
    });
    return run.status === 0;
  } finally {
    if (!exited) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await redis.cleanup();
    await db.drop();
  }
}

// CONTRACT_FUZZ_ONLY=url-shortener,feed fuzzes only the services named (arguments go to Schemathesis).
const names = (process.env.CONTRACT_FUZZ_ONLY ?? '').split(',').filter((name) => name.length > 0);
const unknown = names.filter((name) => !TARGETS.some((target) => target.name === name));
if (unknown.length > 0) {
  console.error(`contract fuzz: no service named ${unknown.join(', ')}`);
  process.exit(2);
}
const targets = names.length > 0 ? TARGETS.filter((target) => names.includes(target.name)) : TARGETS;
const st = schemathesis();
const failed: string[] = [];
for (const target of targets) {
  if (!(await fuzz(target, st))) failed.push(target.name);
}
if (failed.length > 0) {
  console.error(`contract fuzz failed: ${failed.join(', ')} (service logs in ${logDir})`);
  process.exit(1);
}
console.log(`contract fuzz passed: ${targets.map((target) => target.name).join(', ')}`);
