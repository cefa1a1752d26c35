// `npm run replay-dlq -w @lab/notifications -- <channel> <high|low|shared>`: puts a lane's dead
// letters back on its topic (and their messages back to queued). Reads the service's environment
// (DATABASE_URL, KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, JWT_SECRET as the service does).
import { createKafkaClient, createLogger, createPgPool } from '@lab/service-kit';
import { loadServiceConfig } from '../src/config.ts';
import { CHANNELS, type Channel, topicFor } from '../src/domain/channels.ts';
import { replayDeadLetters } from '../src/workers/replay-dead-letters.ts';

const [channel, lane] = process.argv.slice(2);
if (!CHANNELS.includes(channel as Channel) || !['high', 'low', 'shared'].includes(lane ?? '')) {
  console.error('usage: replay-dlq <email|sms|push> <high|low|shared>');
  process.exit(2);
}
const config = loadServiceConfig();
const logger = createLogger({ name: 'replay-dlq', level: 'warn' });
const pool = createPgPool({ connectionString: config.DATABASE_URL as string, applicationName: 'replay-dlq' });
const kafka = createKafkaClient({
  clientId: 'notifications-replay',
  brokers: config.KAFKA_BROKERS ?? [],
  logger,
});
const topic = topicFor(
  config.KAFKA_TOPIC_PREFIX,
  channel as Channel,
  lane === 'high' ? 'high' : 'low',
  lane === 'shared' ? 'shared' : 'priority',
);
const categories =
  lane === 'high' ? ['transactional'] : lane === 'low' ? ['marketing'] : ['transactional', 'marketing'];
try {
  const result = await replayDeadLetters({ kafka, pool, topic, channel: channel as Channel, categories });
  console.log(
    `replay ${topic}: ${result.requeued} message(s) queued again, ${result.replayed} job(s) replayed`,
  );
} finally {
  await pool.end();
}
