// Starts provider-sim in-process on free ports (HTTP and both SMTP sinks) for integration tests.
import { loadServiceConfig } from '../src/config.ts';
import { createProviderSim } from '../src/main.ts';

export { call } from '@lab/testkit';
export { JWT_SECRET, tokenFor } from '../../notifications/test/support/tokens.ts';

import { JWT_SECRET } from '../../notifications/test/support/tokens.ts';

export const API_KEY = 'test-provider-key-0123456789';
export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789-abcdef';

export type ProviderSim = Awaited<ReturnType<typeof createProviderSim>>;

export async function startProviderSim(env: Record<string, string> = {}): Promise<ProviderSim> {
  const config = loadServiceConfig({
    PORT: '0',
    SMTP_PRIMARY_PORT: '0',
    SMTP_SECONDARY_PORT: '0',
    JWT_SECRET,
    PROVIDER_API_KEY: API_KEY,
    WEBHOOK_SECRET,
    LOG_LEVEL: 'silent',
    SHUTDOWN_DRAIN_MS: '0',
    ...env,
  });
  const sim = await createProviderSim(config);
  await sim.start({ handleSignals: false });
  return sim;
}
