// Renders the local lab's Prometheus configuration: every replica scraped directly (a scrape
// through HAProxy would sample a random replica each time), plus HAProxy's own exporter.
import { HAPROXY_STATS_PORT, type LabService, replicaPort } from './catalogue.ts';

export function renderPrometheusConfig(services: LabService[], options: { ruleFiles: string[] }): string {
  const targets = services.flatMap((service) =>
    Array.from(
      { length: service.replicas },
      (_, i) => `      - targets: ['127.0.0.1:${replicaPort(service, i)}']
        labels: { service: '${service.name}', replica: 'r${i + 1}' }`,
    ),
  );
  return `# Rendered by tooling/lab from its service catalogue; do not edit (npm start rewrites it).
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
      - targets: ['127.0.0.1:${HAPROXY_STATS_PORT}']
`;
}
