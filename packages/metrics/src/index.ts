// @lab/metrics: how the lab's packages register Prometheus metrics (get-or-create per registry),
// count on hot paths (tallies added at scrape time), read levels at scrape time, and read metrics
// back in tests.
export { counter, gauge, histogram, type MetricConfig } from './get-or-create.ts';
export { metricValue } from './read.ts';
export { scrapedCounter, type Tally, type TallyGroup } from './scraped-counter.ts';
export { type GaugeReadings, scrapedGauge } from './scraped-gauge.ts';
