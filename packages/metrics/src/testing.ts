// For tests that prove something is not leaked: a full garbage collection on demand, without
// starting node with --expose-gc. Exported as `@lab/metrics/testing`, never from the main index.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Whether `ref`'s target gets collected. A WeakRef keeps its target alive until the current job
 * ends, so each try first yields a turn of the event loop, then collects (bounded, never timed).
 */
export async function isCollected(ref: WeakRef<object>, tries = 10): Promise<boolean> {
  for (let i = 0; i < tries; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    if (ref.deref() === undefined) return true;
  }
  return false;
}

/** Yields a turn and collects, so whatever is only weakly held is gone. */
export async function collectGarbage(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}
