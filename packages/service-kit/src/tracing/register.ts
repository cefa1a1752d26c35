// Preload entry: `node --import @lab/service-kit/tracing src/main.ts`. Starting the SDK here,
// before main.ts imports anything, is what lets the instrumentations patch express, pg, ioredis
// and kafkajs as they load; calling startTracing() from main.ts would be too late.
//
// Services are ES modules, and an ESM `import express from 'express'` bypasses the require()
// hook that OpenTelemetry patches CommonJS packages through. The import-in-the-middle loader hook
// closes that gap; `include` limits it to the instrumented packages so it never touches the
// service's own (type-stripped .ts) modules.
import { register } from 'node:module';

register(
  '@opentelemetry/instrumentation/hook.mjs',
  import.meta.resolve('@opentelemetry/instrumentation-express'),
  {
    data: { include: ['express', 'pg', 'ioredis', 'kafkajs'] },
  },
);

const { startTracing } = await import('./tracing.ts');
startTracing();
