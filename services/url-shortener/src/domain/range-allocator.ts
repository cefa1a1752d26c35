// The range allocator: an instance leases a block of ids at a time (one Postgres sequence call per
// block) and hands ids out of it in memory, so creating a link needs no coordination between
// instances per request. Blocks never overlap because the sequence never hands out a number twice.
// The cost: ids are not in creation order across instances, and the unused rest of a block is
// lost when the process stops (a gap, never a duplicate) — harmless once ids are scrambled.
export type IdBlock = { start: bigint; end: bigint }; // [start, end)

export type RangeAllocator = { next(): Promise<bigint> };

export function createRangeAllocator(lease: () => Promise<IdBlock>): RangeAllocator {
  let current: IdBlock | undefined;
  let cursor = 0n;
  // One lease in flight at a time: concurrent creates that exhaust the block wait on the same
  // lease instead of each burning a block.
  let leasing: Promise<void> | undefined;
  const refill = async () => {
    leasing ??= lease()
      .then((block) => {
        if (block.end <= block.start) throw new RangeError('leased an empty id block');
        current = block;
        cursor = block.start;
      })
      .finally(() => {
        leasing = undefined;
      });
    await leasing;
  };
  return {
    async next() {
      while (!current || cursor >= current.end) await refill();
      const id = cursor;
      cursor += 1n;
      return id;
    },
  };
}

/** The block a sequence value stands for: block n covers [n·size, (n+1)·size). */
export function blockOf(sequenceValue: bigint, size: bigint): IdBlock {
  return { start: sequenceValue * size, end: (sequenceValue + 1n) * size };
}
