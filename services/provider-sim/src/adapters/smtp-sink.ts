// Email's providers: one SMTP server (the `smtp-server` package) per email provider, on its own
// port, standing in for a mail relay such as SES's SMTP interface. It asks for AUTH (the API key as
// password), reads each message, and hands it to the simulator, whose outcome becomes the SMTP
// reply: accepted 250, error 451 (temporary: try again later), outage 421 (service not
// available, also refused at connect time). A "timeout" holds the reply, so the client's socket
// timeout fires first.
//
// The idempotency key is the `X-Idempotency-Key` header (the notifications service's message id),
// falling back to `Message-ID`; the message is capped at 256 KB so a sender cannot fill memory.
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import type { ProviderName } from '../domain/providers.ts';
import type { Simulator } from './simulator.ts';

const MAX_MESSAGE_BYTES = 256 * 1024;

type SmtpError = Error & { responseCode?: number };

function smtpError(code: number, message: string): SmtpError {
  const error: SmtpError = new Error(message);
  error.responseCode = code;
  return error;
}

/** Header name (lower case) -> value, with folded lines joined. */
export function parseHeaders(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

async function readBounded(stream: Readable): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size <= MAX_MESSAGE_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_MESSAGE_BYTES ? undefined : Buffer.concat(chunks).toString('utf8');
}

export type SmtpSink = { readonly port: number; start(): Promise<void>; stop(): Promise<void> };

export function createSmtpSink(options: {
  provider: ProviderName;
  port: number;
  apiKey: string;
  simulator: Simulator;
}): SmtpSink {
  const { provider, simulator } = options;
  const server = new SMTPServer({
    name: `${provider}.provider-sim`,
    banner: `provider-sim ${provider}`,
    authMethods: ['PLAIN', 'LOGIN'],
    // Plain-text AUTH on a lab network; a real relay would require STARTTLS first.
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onConnect(_session, callback) {
      if (simulator.behaviour(provider).outage) return callback(smtpError(421, 'Service not available'));
      callback();
    },
    onAuth(auth, _session, callback) {
      if (auth.password !== options.apiKey) return callback(smtpError(535, 'Authentication failed'));
      callback(null, { user: auth.username ?? 'lab' });
    },
    onData(stream, session, callback) {
      void (async () => {
        const raw = await readBounded(stream);
        if (raw === undefined) return callback(smtpError(552, 'Message too large'));
        const split = raw.search(/\r?\n\r?\n/);
        const headers = parseHeaders(split < 0 ? raw : raw.slice(0, split));
        const messageId = headers.get('x-idempotency-key') ?? headers.get('message-id');
        if (!messageId) return callback(smtpError(550, 'X-Idempotency-Key or Message-ID required'));
        const subject = headers.get('subject');
        const traceparent = headers.get('traceparent');
        const result = await simulator.receive(provider, {
          messageId: messageId.slice(0, 200),
          to: session.envelope.rcptTo[0]?.address ?? '',
          ...(subject !== undefined ? { subject } : {}),
          body: split < 0 ? '' : raw.slice(split).trim(),
          ...(traceparent !== undefined ? { traceparent } : {}),
        });
        if (result.outcome === 'accept') return callback(null, `Queued as ${messageId}`);
        if (result.outcome === 'outage') return callback(smtpError(421, 'Service not available'));
        callback(smtpError(451, 'Temporary failure, try again later'));
      })().catch((error: unknown) => callback(error as Error));
    },
  });
  server.on('error', () => {}); // a client that drops mid-session is not this process's failure
  return {
    get port() {
      return (server.server.address() as AddressInfo).port;
    },
    start: () =>
      new Promise<void>((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(options.port, '0.0.0.0', () => resolve());
      }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
