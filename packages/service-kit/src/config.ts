// Configuration from the environment: one zod schema per service, parsed once at start-up.
// A bad deployment should fail in one go with the full list of what is wrong, not one variable
// per restart, so every issue zod reports is collected into a single ConfigError.
import { z } from 'zod';

/** Placeholder secret for local development only; `loadConfig` never falls back to it. */
export const DEV_JWT_SECRET = 'dev-only-secret-change-me-0123456789abcdef';

const commaList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  )
  .pipe(z.array(z.string().min(1)).min(1, 'needs at least one host:port'));

/** Variables every service reads. Extend it with `baseConfigSchema.extend({ ... })`. */
export const baseConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  // The address to listen on; unset = every interface (IPv6 and IPv4). 127.0.0.1 keeps a service
  // local (the URL shortener's benchmark listens there, as its baselines do).
  HOST: z.string().min(1).max(253).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SERVICE_NAME: z.string().min(1).optional(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  KAFKA_BROKERS: commaList.optional(),
  // HS256 keys shorter than the hash output (32 bytes) weaken the MAC; jose enforces no minimum.
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  // How long /health/ready reports 503 before the listener closes, so load balancers stop
  // sending new requests first (their probe interval is typically 5 s).
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(5_000),
  // Upper bound on the whole shutdown; past it the process exits 1 rather than hang a deploy.
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(25_000),
  // express/body-parser size string: '100kb', '1mb'.
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, "a size such as '100kb' or '1mb'")
    .default('100kb'),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** Start-up failure that names every bad or missing variable, one per line. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(
      `Invalid configuration (${issues.length} problem(s)):\n${issues.map((i) => `  - ${i}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

type Env = Record<string, string | undefined>;

/**
 * Parses `env` (default `process.env`) with `schema`. Empty strings count as unset, so
 * `FOO=` in an env file means "use the default" instead of failing a URL or number check.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.infer<S> {
  const cleaned: Env = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(describeIssues(result.error, cleaned));
}

function describeIssues(error: z.ZodError, env: Env): string[] {
  const lines = new Set<string>();
  for (const issue of error.issues) {
    const name = String(issue.path[0] ?? '(root)');
    const state = env[name] === undefined ? 'missing' : 'invalid';
    lines.add(`${name}: ${state} — ${issue.message}`);
  }
  return [...lines];
}

export { z };
