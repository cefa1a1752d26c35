// `npm run lab:configs`: rewrites the compose lab's rendered configurations.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { COMPOSE_CONFIGS } from './compose-configs.ts';

const root = new URL('../../../', import.meta.url);
for (const [path, render] of Object.entries(COMPOSE_CONFIGS)) {
  const file = new URL(path, root).pathname;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, render());
  console.log(`wrote ${path}`);
}
