// Renders the local lab's Prometheus configuration: every replica scraped directly (a scrape
// through HAProxy would sample a random replica each time), plus HAProxy's own exporter and, when
// a service consumes Kafka, the consumer-lag exporter.
import { HAPROXY_STATS_PORT, KAFKA_LAG_PORT, type LabService } from './catalogue.ts';
import { replicaAddress, type Topology } from './haproxy.ts';

export function renderPrometheusConfig(
  services: LabService[],
  options: { ruleFiles: string[]; topology?: Topology },
): string {
  const topology = options.topology ?? 'local';
  const haproxy = topology === 'local' ? '127.0.0.1' : 'haproxy';
  const lagExporter = topology === 'local' ? '127.0.0.1' : 'kafka-exporter';
  const lagJob = services.some((service) => service.kafka)
    ? `  - job_name: kafka-lag
    static_configs:
      - targets: ["${lagExporter}:${KAFKA_LAG_PORT}"]
`
    : '';
  const targets = services.flatMap((service) =>
    Array.from(
      { length: service.replicas },
      (_, i) => `      - targets: ["${replicaAddress(service, i, topology)}"]
        labels: { service: "${service.name}", replica: "r${i + 1}" }`,
    ),
  );
  return `# Rendered by tooling/lab from its service catalogue (npm run lab:configs); do not edit by hand.
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files:
${options.ruleFiles.map((file) => `  - ${file}`).join('\n')}
scrape_configs:
  - job_name: services
    static_configs:
${targets.join('\n')}
  - job_name: haproxy
    static_configs:
      - targets: ["${haproxy}:${HAPROXY_STATS_PORT}"]
${lagJob}`;
}
