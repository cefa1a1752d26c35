// The lab's consumer-lag exporter (see kafka-lag.ts): GET /metrics reads the lag from the broker
// at scrape time and answers in Prometheus' text format. `npm start` runs it on 127.0.0.1:9308
// (kafka_exporter's port) when a service that consumes Kafka is present. It talks to the broker
// directly, not through the lab-kafka fault proxy, so lag stays visible while Kafka is cut.
//   node tooling/lab/src/kafka-lag-exporter.ts <brokers> <port> <service>...
import { createServer } from 'node:http';
import { fixKafkajsIdleLoop } from '@lab/service-kit';
import { Kafka, logLevel } from 'kafkajs';
import { Gauge, Registry } from 'prom-client';
import { LAG_METRIC, labGroupFilter, readLag } from './kafka-lag.ts';

export async function startLagExporter(options: { brokers: string[]; port: number; services: string[] }) {
  // A process of its own that lives as long as the lab: without the fix its idle admin connection
  // polls an empty queue every millisecond (see service-kit's kafkajs-idle-loop.ts).
  fixKafkajsIdleLoop();
  const admin = new Kafka({
    clientId: 'lab-kafka-lag',
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  const groups = labGroupFilter(options.services);
  const registry = new Registry();
  new Gauge({
    name: LAG_METRIC,
    help: 'Messages a lab consumer group has not yet committed, per partition (log-end minus committed offset).',
    labelNames: ['consumergroup', 'topic', 'partition'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const lag of await readLag(admin, groups))
        this.set({ consumergroup: lag.group, topic: lag.topic, partition: String(lag.partition) }, lag.lag);
    },
  });
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: Error) => res.writeHead(503).end(`lag unavailable: ${error.message}\n`),
    );
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await admin.disconnect();
    },
  };
}

if (import.meta.main) {
  const [brokers = '', port = '9308', ...services] = process.argv.slice(2);
  const exporter = await startLagExporter({ brokers: brokers.split(','), port: Number(port), services });
  console.log(`kafka-lag: http://127.0.0.1:${exporter.port}/metrics (groups of ${services.join(', ')})`);
  const stop = () => void exporter.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
