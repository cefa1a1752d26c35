// Command: replay a dead-letter topic into its original topic.
//   node packages/outbox/src/cli/replay-dlq.ts <topic> [--group <id>] [--timeout-ms <n>]
// Reads KAFKA_BROKERS (comma-separated). Prints {"replayed": n, "dlqTopic": "..."}; exit 2 on bad usage.
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { isOutboxError } from '../errors.ts';
import { replayDlq } from '../replay-dlq.ts';

const usage = 'usage: node packages/outbox/src/cli/replay-dlq.ts <topic> [--group <id>] [--timeout-ms <n>]';

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const topic = positionals[0];
  const brokers = process.env.KAFKA_BROKERS;
  const timeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
  if (!topic || positionals.length > 1 || (timeoutMs !== undefined && !(timeoutMs > 0))) {
    console.error(usage);
    return 2;
  }
  if (!brokers) {
    console.error('KAFKA_BROKERS is not set (e.g. KAFKA_BROKERS=127.0.0.1:9092)');
    return 2;
  }
  const kafka = new Kafka({
    clientId: 'outbox-replay-dlq',
    brokers: brokers.split(',').map((broker) => broker.trim()),
    logLevel: logLevel.WARN,
  });
  try {
    console.log(JSON.stringify(await replayDlq({ kafka, topic, groupId: values.group, timeoutMs })));
  } catch (error) {
    if (!isOutboxError(error, 'OUTBOX_INVALID_OPTIONS')) throw error;
    console.error(`${error.message}\n${usage}`);
    return 2;
  }
  return 0;
}

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: { group: { type: 'string' }, 'timeout-ms': { type: 'string' } },
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`replay failed: ${(error as Error).message ?? error}`);
    process.exit(1);
  },
);
