// ensureTopics/waitForTopics take either an admin the caller already holds (a service at
// start-up) or broker addresses (a script, a test): in the second case this opens a short-lived
// admin client and always closes it, so a one-off call leaves no connection behind.
import { type Admin, Kafka, logLevel } from 'kafkajs';

export type AdminTarget = Admin | readonly string[];

export async function withAdmin<T>(
  target: AdminTarget,
  clientId: string,
  use: (admin: Admin) => Promise<T>,
): Promise<T> {
  if (!isBrokerList(target)) return use(target);
  // Errors reach the caller as thrown errors; KafkaJS's own log lines would repeat each retry.
  const kafka = new Kafka({ clientId, brokers: [...target], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

function isBrokerList(target: AdminTarget): target is readonly string[] {
  return Array.isArray(target);
}
