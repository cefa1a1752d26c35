// Command: inspect and re-queue the outbox's dead letters (rows a relay parked, see README).
//   node packages/outbox/src/cli/dead-letters.ts list [--limit <n>]
//   node packages/outbox/src/cli/dead-letters.ts requeue [--id <outbox id>]... [--topic <topic>]
// Reads DATABASE_URL (the database that holds the outbox). `list` prints one JSON object per
// parked row; `requeue` prints {"requeued": n}. Exit 2 on bad usage.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { listDeadLetters, requeueDeadLetters } from '../dead-letters.ts';

const usage =
  'usage: node packages/outbox/src/cli/dead-letters.ts list [--limit <n>]\n' +
  '       node packages/outbox/src/cli/dead-letters.ts requeue [--id <outbox id>]... [--topic <topic>]';

type Command = { name: 'list'; limit: number } | { name: 'requeue'; ids?: string[]; topic?: string };

function parse(): Command {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      limit: { type: 'string' },
      id: { type: 'string', multiple: true },
      topic: { type: 'string' },
    },
  });
  const [name, ...rest] = positionals;
  if (rest.length > 0) throw new Error(`unexpected argument ${rest[0]}`);
  if (name === 'list' && values.id === undefined && values.topic === undefined) {
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit must be a positive integer');
    return { name, limit };
  }
  if (name === 'requeue' && values.limit === undefined) {
    if (values.id?.some((id) => !/^\d{1,19}$/.test(id))) throw new Error('--id must be an outbox id');
    return { name, ids: values.id, topic: values.topic };
  }
  throw new Error('expected list or requeue, with their own options');
}

async function main(): Promise<number> {
  let command: Command;
  try {
    command = parse();
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (!process.env.DATABASE_URL) {
    console.error('DATABASE_URL is not set (the database that holds the outbox)');
    return 2;
  }
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  try {
    if (command.name === 'list') {
      for (const row of await listDeadLetters(pool, { limit: command.limit }))
        console.log(JSON.stringify(row));
    } else {
      console.log(JSON.stringify({ requeued: await requeueDeadLetters(pool, command) }));
    }
  } finally {
    await pool.end();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`dead-letters failed: ${(error as Error).message ?? error}`);
    process.exit(1);
  },
);
