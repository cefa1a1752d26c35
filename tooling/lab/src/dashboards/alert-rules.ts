// The PromQL expressions of infra/prometheus/alerts.yml (alerts and recording rules), for the
// checks that read every series the rules use. A line scanner, not a YAML parser: `expr:` is
// either one line or a `|` block indented under it, which is how the file is written.
import { readFileSync } from 'node:fs';

export const ALERTS_FILE = new URL('../../../../infra/prometheus/alerts.yml', import.meta.url);

export function alertExpressions(file: URL = ALERTS_FILE): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/expr: (\|\n((?:\s{10}.*\n)+)|.*)/g)].map((m) =>
    (m[2] ?? m[1] ?? '').trim(),
  );
}

/** The names recording rules define (`service:http_error_ratio:rate5m`, ...). */
export function recordedNames(file: URL = ALERTS_FILE): Set<string> {
  return new Set([...readFileSync(file, 'utf8').matchAll(/record: (\S+)/g)].map((m) => m[1] as string));
}
