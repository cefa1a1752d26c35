// The tracing SDK started in this process, if any. Kept apart from tracing.ts so code that only
// needs to flush spans on shutdown (createService) does not load the whole SDK.
export type Tracing = { exporting: boolean; shutdown: () => Promise<void> };

let active: Tracing | undefined;

export function activeTracing(): Tracing | undefined {
  return active;
}

export function setActiveTracing(tracing: Tracing): Tracing {
  active = tracing;
  return tracing;
}
