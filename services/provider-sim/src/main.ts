// Composition root: config -> the webhook sender and the simulator -> the SMTP sinks (workers)
// and the HTTP routes (SMS, push, control) -> start. No database: provider-sim's state is in
// memory, in one instance, like a test double that other services can reach over the network.
import { createService, type Logger, type Registry, type ServiceDeps } from '@lab/service-kit';
import { createSimulator } from './adapters/simulator.ts';
import { createSmtpSink } from './adapters/smtp-sink.ts';
import { createWebhookSender } from './adapters/webhook-sender.ts';
import { type Config, loadServiceConfig } from './config.ts';
import { mountRoutes, routes } from './http/routes.ts';

function wire({ config, registry }: ServiceDeps<Config>) {
  const webhooks = createWebhookSender({
    url: config.WEBHOOK_URL,
    secret: config.WEBHOOK_SECRET,
    concurrency: config.WEBHOOK_CONCURRENCY,
    queueLimit: config.WEBHOOK_QUEUE_LIMIT,
    registry,
  });
  const simulator = createSimulator({ maxRecords: config.MAX_RECORDS, webhooks, registry });
  const sink = (provider: 'email-primary' | 'email-secondary', port: number) =>
    createSmtpSink({ provider, port, apiKey: config.PROVIDER_API_KEY, simulator });
  const smtp = {
    primary: sink('email-primary', config.SMTP_PRIMARY_PORT),
    secondary: sink('email-secondary', config.SMTP_SECONDARY_PORT),
  };
  return { webhooks, simulator, smtp };
}

export async function createProviderSim(
  config: Config,
  options: { registry?: Registry; logger?: Logger } = {},
) {
  let parts: ReturnType<typeof wire> | undefined;
  const service = await createService({
    name: 'provider-sim',
    config,
    ...options,
    setup: (deps) => {
      parts = wire(deps);
      return parts;
    },
    routes: (app, deps, { simulator }) => {
      mountRoutes(app, routes({ simulator, auth: deps.auth, apiKey: config.PROVIDER_API_KEY }));
    },
    workers: (_deps, { smtp, webhooks }) => [
      { name: 'smtp-email-primary', start: () => smtp.primary.start(), stop: () => smtp.primary.stop() },
      {
        name: 'smtp-email-secondary',
        start: () => smtp.secondary.start(),
        stop: () => smtp.secondary.stop(),
      },
      { name: 'webhooks', start: async () => {}, stop: () => webhooks.stop() },
    ],
  });
  const { smtp, simulator, webhooks } = parts as ReturnType<typeof wire>;
  // Tests listen on port 0 and need the ports actually taken; also the in-process simulator.
  return Object.assign(service, {
    smtpPorts: () => ({ primary: smtp.primary.port, secondary: smtp.secondary.port }),
    simulator,
    webhooks,
  });
}

if (import.meta.main) {
  const service = await createProviderSim(loadServiceConfig());
  await service.start();
}
