// GET /v1/feed/stream: the caller's live feed as server-sent events.
//   - events come from the user's live log in Redis (see live-backplane.ts), so the connection can
//     be on any replica; a pub/sub message says when to read it
//   - `Last-Event-ID` (sent by EventSource on reconnect) resumes after that log entry, with no gap;
//     when the log no longer reaches back that far, a `reset` event tells the client to re-read
//     GET /v1/feed instead of silently skipping
//   - a comment line every SSE_HEARTBEAT_MS keeps proxies from closing an idle stream and renews
//     the connection's slot
//   - slots are capped per user (across replicas, in Redis) and per instance: 503 + Retry-After
//   - while the service drains, open streams are ended so clients reconnect to another replica
import { randomUUID } from 'node:crypto';
import { type Logger, sendProblem } from '@lab/service-kit';
import type { RequestHandler, Response } from 'express';
import type { LiveBackplane } from '../adapters/live-backplane.ts';
import type { PostHydrator } from '../adapters/post-hydrator.ts';
import type { RedisGuard } from '../adapters/redis-guard.ts';
import { compareStreamIds, eventFrame, HEARTBEAT_FRAME, isStreamId } from '../domain/sse.ts';
import { callerId } from './schemas.ts';

const READ_BATCH = 100;

export type StreamDeps = {
  live: LiveBackplane;
  hydrator: PostHydrator;
  guard: RedisGuard;
  logger: Logger;
  heartbeatMs: number;
  maxPerInstance: number;
};

function refuse(res: Response, code: string, detail: string, retryAfterSeconds: number) {
  res.set('Retry-After', String(retryAfterSeconds));
  sendProblem(res, { status: 503, code, detail });
}

export function createStreamHandler(deps: StreamDeps) {
  const open = new Set<Response>();
  const handler: RequestHandler = async (req, res) => {
    const user = callerId(res);
    const resumeFrom = req.get('last-event-id');
    if (resumeFrom !== undefined && !isStreamId(resumeFrom)) {
      sendProblem(res, {
        status: 400,
        code: 'INVALID_LAST_EVENT_ID',
        detail: 'Last-Event-ID is not an id this stream sent.',
      });
      return;
    }
    if (open.size >= deps.maxPerInstance) {
      refuse(res, 'INSTANCE_STREAMS_FULL', 'This instance serves its maximum number of live streams.', 5);
      return;
    }
    open.add(res); // counted before any await, so a burst cannot overshoot the instance cap
    // The client may hang up during any await below; whatever is set up after that must be undone
    // at once, or a heartbeat timer, a subscription and a slot would outlive the connection.
    let gone = false;
    res.once('close', () => {
      gone = true;
      open.delete(res);
    });
    const onClose = (undo: () => void) => (gone ? undo() : res.once('close', undo));
    const connection = randomUUID();
    let granted = false;
    try {
      granted = await deps.guard.run(() => deps.live.acquire(user, connection));
    } catch {
      open.delete(res);
      refuse(res, 'LIVE_UNAVAILABLE', 'Live updates are unavailable right now; read GET /v1/feed.', 5);
      return;
    }
    if (!granted) {
      open.delete(res);
      refuse(res, 'USER_STREAMS_FULL', 'This account has its maximum number of live streams open.', 5);
      return;
    }
    onClose(() => {
      deps.live.release(user, connection).catch(() => {});
    });
    await serve({ deps, user, resumeFrom, res, connection, onClose });
  };
  return {
    handler,
    /** Ends every open stream (drain): EventSource clients reconnect, elsewhere, with Last-Event-ID. */
    closeAll() {
      for (const res of open) res.end();
      open.clear();
    },
    get openCount() {
      return open.size;
    },
  };
}

async function serve(options: {
  deps: StreamDeps;
  user: string;
  connection: string;
  resumeFrom: string | undefined;
  res: Response;
  /** Runs `undo` when the client hangs up, or now if it already has. */
  onClose: (undo: () => void) => void;
}) {
  const { deps, user, connection, res } = options;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write(`retry: 2000\n\n`);
  let position = options.resumeFrom;
  let pumping = false;
  let again = false;
  let closed = false;
  const pump = async () => {
    if (pumping || position === undefined) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        for (;;) {
          const events = await deps.live.read(user, position, READ_BATCH);
          if (events.length === 0 || closed) break;
          const posts = await deps.hydrator.hydratePosts(events.map((event) => event.id));
          for (const event of events) {
            const post = posts.get(event.id);
            if (post && !('deleted' in post))
              res.write(eventFrame({ id: event.streamId, event: 'post', data: post }));
            position = event.streamId;
          }
          if (events.length < READ_BATCH) break;
        }
      } while (again && !closed);
    } catch (error) {
      deps.logger.warn({ err: error }, 'live stream read failed; the next notification retries');
    } finally {
      pumping = false;
    }
  };
  options.onClose(() => {
    closed = true;
  });
  const unsubscribe = await deps.live.subscribe(user, () => void pump());
  options.onClose(() => void unsubscribe());
  const heartbeat = setInterval(() => {
    res.write(HEARTBEAT_FRAME);
    deps.guard.run(() => deps.live.acquire(user, connection)).catch(() => {});
  }, deps.heartbeatMs);
  options.onClose(() => clearInterval(heartbeat));
  const { first, last } = await deps.live.bounds(user);
  if (position === undefined) {
    position = last ?? '0-0';
  } else if (first === undefined || compareStreamIds(first, position) > 0) {
    // The entry after which to resume is gone (trimmed or expired): events may be missing.
    res.write(
      eventFrame({
        event: 'reset',
        data: { reason: 'The live log no longer reaches back to Last-Event-ID.' },
      }),
    );
    position = last ?? '0-0';
  }
  res.write(eventFrame({ event: 'ready', data: { resumedAfter: position } }));
  await pump();
}
