// SMS and push providers over HTTP (provider-sim's `/v1/<channel>/<provider>/messages`), the way
// Twilio or FCM are called: an API key, the message id as Idempotency-Key, a bounded wait.
import { SendError } from './errors.ts';
import type { OutgoingMessage, Provider } from './provider.ts';

export function createHttpProvider(options: {
  name: string;
  channel: 'sms' | 'push';
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
}): Provider {
  const { name, channel } = options;
  const url = `${options.baseUrl}/v1/${channel}/${name}/messages`;
  const bodyOf = (message: OutgoingMessage) =>
    channel === 'sms'
      ? { to: message.recipient, body: message.body }
      : { token: message.recipient, title: message.subject, body: message.body };
  return {
    name,
    async send(message) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${options.apiKey}`,
            'idempotency-key': message.id,
            ...(message.traceparent ? { traceparent: message.traceparent } : {}),
          },
          body: JSON.stringify(bodyOf(message)),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw new SendError(name, `${name}: ${(error as Error).name}`, false, { cause: error });
      }
      await response.body?.cancel();
      if (response.ok) return;
      const transient = response.status >= 500 || response.status === 429;
      throw new SendError(name, `${name} answered ${response.status}`, !transient);
    },
    close: async () => {},
  };
}
