// Preload entry: `node --import @lab/service-kit/tracing src/main.ts`. Starting the SDK here,
// before main.ts imports anything, is what lets the instrumentations patch express, pg, ioredis
// and kafkajs as they load; calling startTracing() from main.ts would be too late.
//
// Services are ES modules, and an ESM `import express from 'express'` bypasses the require()
// hook that OpenTelemetry patches CommonJS packages through. The import-in-the-middle loader hook
// closes that gap; `include` limits it to the instrumented packages so it never touches the
// service's own (type-stripped .ts) modules.
//
// The SDK is loaded before the hook is registered. Once registered, every later import is
// resolved and loaded through the hook's own thread; the SDK's few hundred modules took 3.4 s to
// start that way and 1.2 s without it, and a rolling restart pays start-up once per replica. The
// order is safe: the instrumentations only need the hook in place before the packages they patch
// are imported, and those come with main.ts, after this file.
import { register } from 'node:module';

const { startTracing } = await import('./tracing.ts');
startTracing();

register(
  '@opentelemetry/instrumentation/hook.mjs',
  import.meta.resolve('@opentelemetry/instrumentation-express'),
  {
    data: { include: ['express', 'pg', 'ioredis', 'kafkajs'] },
  },
);
