// Tracing end to end: W3C trace context crosses a real Kafka topic (producer span -> message
// headers -> consumer span in the same trace), and a service process started with the
// `--import @lab/service-kit/tracing` preload continues incoming traces, stamps them on its logs
// and exports express and pg spans over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createTestDatabase,
  createTestKafka,
  createTestRedis,
  type TestDatabase,
  type TestKafka,
  type TestRedis,
  uniqueName,
  waitUntil,
} from '@lab/testkit';
import { context, trace } from '@opentelemetry/api';
import type { Consumer, IHeaders, Producer } from 'kafkajs';
import {
  createIdempotentProducer,
  createKafkaClient,
  ensureTopics,
  extractTraceContext,
  injectTraceHeaders,
  kafkaCheck,
  startTracing,
  traceFields,
} from '../src/index.ts';
import { type ExampleProcess, probe, spawnExample } from './fixtures/child.ts';
import { baseEnv } from './fixtures/harness.ts';

describe('trace context over Kafka', () => {
  let testKafka: TestKafka;
  let producer: Producer;
  let consumer: Consumer;
  const extraTopics: string[] = [];

  before(async () => {
    startTracing({ serviceName: 'service-kit-test' });
    testKafka = await createTestKafka('sk_trace');
  });
  after(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    if (extraTopics.length > 0) {
      const admin = testKafka.kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: extraTopics }).catch(() => {});
      await admin.disconnect();
    }
    await testKafka?.cleanup();
  });

  it('is continued by the consumer: same trace id, producer span as parent', async () => {
    const topic = await testKafka.createTopic('sk.item.created', 1);
    const kafka = createKafkaClient({ brokers: testKafka.brokers, clientId: uniqueName('sk_trace') });
    producer = createIdempotentProducer(kafka);
    await producer.connect();
    const tracer = trace.getTracer('service-kit-test');

    const sent = await tracer.startActiveSpan('publish item.created', async (span) => {
      const headers = injectTraceHeaders<IHeaders>({ 'event-type': 'item.created' });
      await producer.send({ topic, messages: [{ key: 'item-1', value: '{"id":1}', headers }] });
      span.end();
      return { spanContext: span.spanContext(), headers };
    });
    assert.match(
      String(sent.headers.traceparent),
      new RegExp(`^00-${sent.spanContext.traceId}-[0-9a-f]{16}-01$`),
    );

    type Seen = {
      traceId: string;
      parentSpanId: string | undefined;
      log: Record<string, string>;
      eventType: string;
    };
    let seen: Seen | undefined;
    consumer = kafka.consumer({ groupId: uniqueName('sk_trace_group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const parent = extractTraceContext(message.headers);
        context.with(parent, () =>
          tracer.startActiveSpan('handle item.created', (span) => {
            seen = {
              traceId: span.spanContext().traceId,
              parentSpanId: trace.getSpanContext(parent)?.spanId,
              log: traceFields(),
              eventType: String(message.headers?.['event-type']),
            };
            span.end();
          }),
        );
      },
    });
    await waitUntil(() => seen !== undefined, {
      timeoutMs: 120_000, // was 20 s: a bound for a broken test, not a speed requirement
      message: 'the consumer to receive the message',
    });
    assert.equal(seen?.traceId, sent.spanContext.traceId);
    assert.ok(seen?.parentSpanId, 'the message carried a parent span id');
    assert.equal(seen?.eventType, 'item.created');
    // Log lines written while handling carry the continued trace id.
    assert.equal(seen?.log.trace_id, sent.spanContext.traceId);
  });

  it('injects nothing outside a span, and extraction of empty headers yields no parent', () => {
    assert.deepEqual(injectTraceHeaders({}, context.active()), {});
    assert.equal(trace.getSpanContext(extractTraceContext(undefined)), undefined);
  });

  it('ensureTopics creates only what is missing; the readiness check answers', async () => {
    const admin = testKafka.kafka.admin();
    await admin.connect();
    try {
      const fresh = `sk.ensure.${uniqueName('t')}`;
      extraTopics.push(fresh);
      const existing = await testKafka.createTopic('sk.ensure.existing', 1);
      assert.deepEqual(
        await ensureTopics(admin, [
          { topic: fresh, partitions: 2 },
          { topic: existing, partitions: 5 },
        ]),
        [fresh],
      );
      assert.deepEqual(await ensureTopics(admin, [{ topic: fresh, partitions: 2 }]), []);
      const metadata = await admin.fetchTopicMetadata({ topics: [fresh] });
      assert.equal(metadata.topics[0]?.partitions.length, 2);
      await kafkaCheck(admin).check();
    } finally {
      await admin.disconnect();
    }
  });
});

describe('tracing preload in a service process', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let collector: Server;
  let example: ExampleProcess | undefined;
  const exported: Buffer[] = [];

  before(async () => {
    db = await createTestDatabase('sk_otlp');
    redis = await createTestRedis('sk_otlp');
    // A stand-in OTLP/HTTP collector: records what the service exports.
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces') exported.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    example?.kill();
    collector?.close();
    await redis?.cleanup();
    await db?.drop();
  });

  it('continues an incoming trace, logs its id and exports express and pg spans over OTLP', async () => {
    const port = (collector.address() as AddressInfo).port;
    example = await spawnExample(
      {
        ...baseEnv(db, redis),
        LOG_LEVEL: 'info',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_SERVICE_NAME: 'example',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      ['--import', new URL('../src/tracing/register.ts', import.meta.url).pathname],
    );
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const status = await probe(`${example.url}/v1/items/7`, {
      traceparent: `00-${traceId}-b7ad6b7169203331-01`,
      'x-request-id': 'otlp-test-1',
    });
    assert.equal(status, 200);
    assert.equal(await probe(`${example.url}/health/ready`), 200);

    const access = await example.waitForLog(
      (line) => line.requestId === 'otlp-test-1',
      'the access log line',
    );
    assert.equal(access.trace_id, traceId);
    assert.match(String(access.span_id), /^[0-9a-f]{16}$/);
    assert.equal(access.route, '/v1/items/:id');

    // Spans are protobuf; names and ids appear in it as plain bytes. Wait for every expected
    // span, since they may arrive in separate export batches.
    const expected = [
      Buffer.from(traceId, 'hex'),
      'GET /v1/items/:id', // the HTTP server span, named by route template
      'router - /items/:id', // express: the router layer
      'request handler', // express: the route's handler
      'pg.query', // pg
    ];
    await waitUntil(
      () => {
        const all = Buffer.concat(exported);
        return expected.every((part) => all.includes(part));
      },
      // Was 10 s, which a loaded machine's export batches exceeded; the bound only ends a broken test.
      { timeoutMs: 120_000, message: 'HTTP, express and pg spans of the request to be exported' },
    );
    const all = Buffer.concat(exported);
    assert.ok(!all.includes('/health/ready'), 'probes are not traced');
  });
});
