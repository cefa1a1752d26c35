// A steady open-loop load for the lab's own checks (the rolling restart): `rate` GET requests per
// second, spread round-robin over `urls`, sent on schedule whether or not earlier ones have
// answered (a closed loop would slow down exactly when the system struggles and hide failures).
// Bounded: it stops when `until` settles or after `maxRequests`, whichever comes first.
export type LoadReport = { sent: number; ok: number; failed: number; failures: Record<string, number> };

export async function steadyLoad(options: {
  urls: string[];
  rate: number;
  until: Promise<unknown>;
  maxRequests: number;
  /** Sent with every request, e.g. a bearer token so the reads are the ones a user makes. */
  headers?: Record<string, string>;
}): Promise<LoadReport> {
  const report: LoadReport = { sent: 0, ok: 0, failed: 0, failures: {} };
  const inFlight = new Set<Promise<void>>();
  let done = false;
  void options.until.finally(() => {
    done = true;
  });
  const started = performance.now();
  while (!done && report.sent < options.maxRequests) {
    const url = options.urls[report.sent % options.urls.length] as string;
    report.sent += 1;
    const request = send(url, report, options.headers).finally(() => inFlight.delete(request));
    inFlight.add(request);
    const nextAt = started + (report.sent * 1000) / options.rate;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextAt - performance.now())));
  }
  await Promise.all(inFlight);
  return report;
}

async function send(url: string, report: LoadReport, headers?: Record<string, string>): Promise<void> {
  let outcome: string;
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(10_000),
      ...(headers ? { headers } : {}),
    });
    await response.arrayBuffer();
    outcome = response.status < 500 ? 'ok' : `HTTP ${response.status}`;
  } catch (error) {
    outcome = (error as Error).name;
  }
  if (outcome === 'ok') report.ok += 1;
  else {
    report.failed += 1;
    report.failures[outcome] = (report.failures[outcome] ?? 0) + 1;
  }
}
