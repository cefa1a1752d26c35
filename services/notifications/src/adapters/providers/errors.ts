// How a provider call failed. Transient failures (timeouts, 5xx, 429, SMTP 4xx, connection
// errors) count against the provider's circuit breaker and are retried; a permanent one (the
// provider refused this message: HTTP 4xx, SMTP 5xx) is neither: sending it again cannot succeed,
// and a bad message must not open the breaker for everyone else's.
export class SendError extends Error {
  readonly code = 'SEND_FAILED';
  readonly permanent: boolean;
  readonly provider: string;
  constructor(provider: string, message: string, permanent: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SendError';
    this.provider = provider;
    this.permanent = permanent;
  }
}

export function isPermanent(error: unknown): boolean {
  return (
    (error as { code?: string; permanent?: boolean })?.code === 'SEND_FAILED' &&
    (error as SendError).permanent
  );
}
