// Email over SMTP with nodemailer, a pooled transport per provider (a handful of kept-open
// connections instead of a TCP and AUTH handshake per message). The message id travels as
// `X-Idempotency-Key` (and in Message-ID), so the relay can recognise a repeated send.
// SMTP replies: 4xx is temporary (retry), 5xx permanent (this message will never go).
import nodemailer from 'nodemailer';
import { SendError } from './errors.ts';
import type { Provider } from './provider.ts';

export function createSmtpProvider(options: {
  name: string;
  host: string;
  port: number;
  apiKey: string;
  from: string;
  timeoutMs: number;
  maxConnections?: number;
}): Provider {
  const { name } = options;
  const transport = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: false,
    ignoreTLS: true,
    auth: { user: 'notifications', pass: options.apiKey },
    pool: true,
    maxConnections: options.maxConnections ?? 8,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  return {
    name,
    async send(message) {
      try {
        await transport.sendMail({
          from: options.from,
          to: message.recipient,
          subject: message.subject,
          html: message.body,
          messageId: `<${message.id}@notifications.lab>`,
          headers: {
            'X-Idempotency-Key': message.id,
            ...(message.traceparent ? { traceparent: message.traceparent } : {}),
          },
        });
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        const permanent = code !== undefined && code >= 500 && code < 600;
        throw new SendError(name, `${name}: ${code ?? (error as Error).message}`, permanent, {
          cause: error,
        });
      }
    },
    close: async () => transport.close(),
  };
}
