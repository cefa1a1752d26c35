// The docker compose lab's HAProxy and Prometheus configurations, rendered from the same service
// catalogue as `npm start`'s so the two ways of running route and scrape the same things.
// `npm run lab:configs` rewrites the committed files; a test fails when they drift.
import { allLabServices } from './catalogue.ts';
import { renderHaproxyConfig } from './haproxy.ts';
import { renderPrometheusConfig } from './prometheus.ts';

export const COMPOSE_CONFIGS = {
  'infra/haproxy/haproxy.cfg': () =>
    renderHaproxyConfig([...allLabServices()], { runDir: '/tmp', topology: 'compose' }),
  'infra/prometheus/prometheus.yml': () =>
    renderPrometheusConfig([...allLabServices()], {
      ruleFiles: ['/etc/prometheus/alerts.yml'],
      topology: 'compose',
    }),
} as const;
