// A minimal server-sent-events client for tests (fetch + a frame parser), so a test can wait on
// the events a stream delivered instead of sleeping.
import { waitUntil } from '@lab/testkit';

export type SseEvent = { id?: string; event: string; data: unknown };

export type SseStream = {
  status: number;
  headers: Headers;
  body: string;
  events: SseEvent[];
  comments: number;
  closed: boolean;
  waitFor(predicate: (events: SseEvent[]) => boolean, message?: string): Promise<void>;
  close(): void;
};

export async function openStream(base: string, token: string, lastEventId?: string): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(`${base}/v1/feed/stream`, {
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'text/event-stream',
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    },
    signal: controller.signal,
  });
  const stream: SseStream = {
    status: response.status,
    headers: response.headers,
    body: '',
    events: [],
    comments: 0,
    closed: false,
    waitFor: (predicate, message = 'stream condition') =>
      waitUntil(() => predicate(stream.events), { timeoutMs: 60_000, message }),
    close: () => controller.abort(),
  };
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    stream.body = await response.text();
    stream.closed = true;
    return stream;
  }
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          parseFrame(buffer.slice(0, end), stream);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by close()
    } finally {
      stream.closed = true;
    }
  })();
  return stream;
}

function parseFrame(frame: string, stream: SseStream) {
  const event: { id?: string; event: string; data: string } = { event: 'message', data: '' };
  let fields = 0;
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) {
      stream.comments += 1;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'id') event.id = value;
    else if (name === 'event') event.event = value;
    else if (name === 'data') event.data += value;
    else continue;
    fields += 1;
  }
  if (fields > 0 && event.data !== '') stream.events.push({ ...event, data: JSON.parse(event.data) });
}
