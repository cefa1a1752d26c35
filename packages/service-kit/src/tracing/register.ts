// Preload entry: `node --import @lab/service-kit/tracing src/main.ts`. Starting the SDK here,
// before main.ts imports anything, is what lets the instrumentations patch express, pg, ioredis
// and kafkajs as they load; calling startTracing() from main.ts would be too late.
import { startTracing } from './tracing.ts';

startTracing();
