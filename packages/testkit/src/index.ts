// @lab/testkit: real Postgres, Redis, Kafka and Toxiproxy for tests, isolated per test file.
export { dockerEngineAnswers, testDependencies } from './dependencies.ts';
export {
  chooseDependencySource,
  type DependencySource,
  type DependencyUrls,
  START_LOCAL_STACK_HINT,
} from './dependency-source.ts';
export { freePort } from './free-port.ts';
export { type CallOptions, type CallReply, call } from './http-call.ts';
export { createTestKafka, type TestKafka } from './kafka.ts';
export { createKafkaFaultProxy, type KafkaFaultProxy } from './kafka-fault-proxy.ts';
export {
  type ExercisedOptions,
  type OpenApiContract,
  openApiContract,
  type RouteTableEntry,
  SERVICE_KIT_PATHS,
} from './openapi/contract.ts';
export type { Exchange } from './openapi/exchange-check.ts';
export { createTestDatabase, databaseUrlFor, type TestDatabase } from './postgres.ts';
export { createTestRedis, type TestRedis } from './redis.ts';
export { createFaultProxy, type FaultProxy, hostPortOf, type ToxicType, throughProxy } from './toxiproxy.ts';
export { uniqueName } from './unique-name.ts';
export { waitUntil } from './wait-until.ts';
