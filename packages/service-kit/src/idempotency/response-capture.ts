// Two ways of catching what a handler writes to `res`, used by the Idempotency-Key middleware.
//
// - captureResponse: lets the body through as it is written, and runs `persist` before the final
//   res.end goes out -- so the stored response is in the table before the client can retry.
// - holdResponse: sends nothing at all until told to. The transactional handler needs that: the
//   response must be stored in the handler's transaction, and nothing may reach the client before
//   that transaction committed (a client that saw a 201 whose effects then rolled back would be lied to).
import type { Response } from 'express';
import { requestLogger } from '../http/observe.ts';

export type CapturedResponse = { status: number; headers: Record<string, unknown>; body: Buffer };

type Persist = (response: CapturedResponse) => Promise<void>;
type Call = unknown[];

export function toBuffer(chunk: unknown, encoding?: unknown): Buffer | undefined {
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return undefined;
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk);
  return Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
}

/**
 * Buffers what the handler writes and runs `persist` before the final `res.end` goes out.
 * If persisting fails the response is still sent (the client's request did succeed); the
 * record then stays in flight until its lease ends, after which a retry may run again.
 */
export function captureResponse(res: Response, persist: Persist): void {
  const chunks: Buffer[] = [];
  const originalWrite = res.write.bind(res) as (...args: Call) => boolean;
  const originalEnd = res.end.bind(res) as (...args: Call) => Response;
  let ending = false;

  res.write = ((...args: Call) => {
    const buffer = toBuffer(args[0], args[1]);
    if (buffer) chunks.push(buffer);
    return originalWrite(...args);
  }) as Response['write'];

  res.end = ((...args: Call) => {
    if (ending) return originalEnd(...args);
    ending = true;
    const buffer = toBuffer(args[0], args[1]);
    if (buffer) chunks.push(buffer);
    persist({ status: res.statusCode, headers: res.getHeaders(), body: Buffer.concat(chunks) })
      .catch((error: unknown) => requestLogger(res)?.error({ err: error }, 'idempotency record not stored'))
      .finally(() => originalEnd(...args));
    return res;
  }) as Response['end'];
}

export type HeldResponse = {
  /** What the handler wrote, once it called res.end; undefined if it has not. */
  response(): CapturedResponse | undefined;
  /** Puts res back as it was and sends what was held. */
  send(): void;
  /** Puts res back as it was and forgets what was held (an error response follows instead). */
  discard(): void;
};

export function holdResponse(res: Response): HeldResponse {
  const write = res.write;
  const end = res.end;
  const writes: Call[] = [];
  let ended: Call | undefined;
  res.write = ((...args: Call) => {
    writes.push(args);
    return true;
  }) as Response['write'];
  res.end = ((...args: Call) => {
    ended ??= args;
    return res;
  }) as Response['end'];
  const restore = () => {
    res.write = write;
    res.end = end;
  };
  return {
    response() {
      if (!ended) return undefined;
      const chunks = [...writes, ended].flatMap((args) => toBuffer(args[0], args[1]) ?? []);
      return { status: res.statusCode, headers: res.getHeaders(), body: Buffer.concat(chunks) };
    },
    send() {
      restore();
      for (const args of writes) (res.write as (...args: Call) => boolean)(...args);
      if (ended) (res.end as (...args: Call) => Response)(...ended);
    },
    discard: restore,
  };
}
