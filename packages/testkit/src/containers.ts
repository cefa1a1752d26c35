// The Docker path: when no URLs are in the environment and a Docker engine answers, start the
// same four dependencies the local stack runs, as containers, once per test process.
// Not exercised on CI (no engine there); the choice that leads here is unit-tested.
import { GenericContainer, getContainerRuntimeClient, Wait } from 'testcontainers';
import type { DependencyUrls } from './dependency-source.ts';

export async function dockerAnswers(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export async function startContainers(): Promise<DependencyUrls> {
  const [postgres, redis, kafka, toxiproxy] = await Promise.all([
    new GenericContainer('postgres:17-alpine')
      .withEnvironment({ POSTGRES_USER: 'lab', POSTGRES_PASSWORD: 'lab' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/ready to accept connections/, 2))
      .start(),
    new GenericContainer('redis:7-alpine').withExposedPorts(6379).start(),
    new GenericContainer('apache/kafka:4.1.0')
      .withExposedPorts({ container: 9092, host: 9092 })
      .withEnvironment({ KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false' })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start(),
    new GenericContainer('ghcr.io/shopify/toxiproxy:2.12.0').withExposedPorts(8474).start(),
  ]);
  return {
    databaseUrl: `postgres://lab:lab@${postgres.getHost()}:${postgres.getMappedPort(5432)}/postgres`,
    redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    kafkaBrokers: [`${kafka.getHost()}:9092`],
    toxiproxyUrl: `http://${toxiproxy.getHost()}:${toxiproxy.getMappedPort(8474)}`,
  };
}
