// provider-sim's environment, parsed once with zod (service-kit's base variables plus these).
import { baseConfigSchema, loadConfig, z } from '@lab/service-kit';

export const configSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8085),
  // The two SMTP sinks: email's primary and secondary provider. 0 = any free port (tests).
  SMTP_PRIMARY_PORT: z.coerce.number().int().min(0).max(65_535).default(2525),
  SMTP_SECONDARY_PORT: z.coerce.number().int().min(0).max(65_535).default(2526),
  // What a caller presents to send (Bearer on HTTP, the SMTP AUTH password), like a provider's
  // API key. The control API needs an admin JWT instead: it changes how every caller is served.
  PROVIDER_API_KEY: z.string().min(16).default('provider-sim-dev-key-0123456789'),
  // Where delivery and bounce webhooks go (the notifications service); unset = none are sent.
  WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  // The HMAC-SHA256 key both sides share; 32+ characters for the same reason as JWT_SECRET.
  WEBHOOK_SECRET: z.string().min(32).default('provider-sim-webhook-secret-0123456789'),
  // Webhooks in flight at once; the rest wait in a bounded queue (overflow is dropped and
  // counted, as a real provider's webhook backlog would be retried later or lost).
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  WEBHOOK_QUEUE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(100_000),
  // Recordings kept in memory (oldest dropped first), and the dedup window (same bound).
  MAX_RECORDS: z.coerce.number().int().min(100).max(2_000_000).default(200_000),
});

export type Config = z.infer<typeof configSchema>;

export function loadServiceConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(configSchema, env);
}
