// The metric names a PromQL expression reads, for the checks that every series a dashboard or an
// alert uses is really exported. A small scanner, not a parser: it drops strings, label matchers,
// `by (...)`-style groupings and range selectors, then keeps identifiers that are not functions or
// keywords. Recording-rule names (with a colon) are returned too; callers treat them separately.
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
]);

export function metricNamesOf(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\()?)/g)) {
    const [name, call] = [match[0], match[1]];
    if (call || KEYWORDS.has(name) || /^(e|inf|nan)$/i.test(name)) continue;
    names.add(name);
  }
  return [...names];
}

/** A histogram's series names end in _bucket, _count or _sum; the exported name does not. */
export function exportedName(series: string): string {
  return series.replace(/_(bucket|count|sum)$/, '');
}

/**
 * The vector selectors of an expression, as written (`name{matchers}` or a bare `name`), so the
 * series check asks Prometheus for exactly the series a panel reads, label matchers included: a
 * panel over `status_code=~"5.."` needs a 5xx series, not just any request series.
 */
export function selectorsOf(expr: string): string[] {
  const selectors = new Set<string>();
  for (const name of metricNamesOf(expr)) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const match of expr.matchAll(new RegExp(`(?<![\\w:])${escaped}(?![\\w:])\\s*(\\{[^}]*\\})?`, 'g')))
      selectors.add(`${name}${match[1] ?? ''}`);
  }
  return [...selectors];
}
