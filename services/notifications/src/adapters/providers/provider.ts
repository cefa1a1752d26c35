// What every provider adapter offers: send one message, with the message id as the provider's
// idempotency key (so a repeated send after a crash is recognised by the provider, not delivered
// twice) and the trace context to carry. Throws SendError.
export type OutgoingMessage = {
  id: string;
  recipient: string;
  subject: string;
  body: string;
  traceparent?: string;
};

export type Provider = {
  readonly name: string;
  send(message: OutgoingMessage): Promise<void>;
  close(): Promise<void>;
};
