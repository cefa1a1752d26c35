// Batches L2 reads: every get() issued in the same tick (before process.nextTick runs) shares one
// MGET, like DataLoader. Under concurrency this turns N commands, N socket writes and N Redis ops
// into one, for the price of a deferral that ends before any I/O is polled. A lone read still
// goes out as a plain GET.
export type ReadBatcher = (key: string) => Promise<string | null>;

type Batch = {
  keys: string[];
  waiters: { resolve: (value: string | null) => void; reject: (error: unknown) => void }[];
};

/** Large enough to absorb any realistic burst, small enough to bound one reply. */
const MAX_BATCH = 256;

export function createReadBatcher(read: (keys: string[]) => Promise<(string | null)[]>): ReadBatcher {
  let open: Batch | undefined;
  const flush = (batch: Batch) => {
    if (open === batch) open = undefined;
    read(batch.keys).then(
      (values) => {
        for (let i = 0; i < batch.waiters.length; i += 1) batch.waiters[i]?.resolve(values[i] ?? null);
      },
      (error: unknown) => {
        for (const waiter of batch.waiters) waiter.reject(error);
      },
    );
  };
  return (key) =>
    new Promise((resolve, reject) => {
      let batch = open;
      if (batch === undefined) {
        const created: Batch = { keys: [], waiters: [] };
        open = batch = created;
        process.nextTick(() => {
          if (open === created) flush(created);
        });
      }
      batch.keys.push(key);
      batch.waiters.push({ resolve, reject });
      if (batch.keys.length >= MAX_BATCH) flush(batch);
    });
}
