// `npm run check:dockerfiles` (and .ci/run): checks every Dockerfile in the repository with
// check.ts and exits 1 listing each problem, so a new workspace dependency cannot silently break
// an image that CI never builds (no Docker engine runs there).
import { existsSync, globSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkDockerfile } from './check.ts';
import { readWorkspaces } from './workspaces.ts';

const root = join(import.meta.dirname, '../../..');
const workspaces = readWorkspaces(root);
const dockerfiles = globSync('{packages,services,tooling}/*/Dockerfile', { cwd: root }).sort();
const fileExists = (path: string) => existsSync(join(root, path)) && statSync(join(root, path)).isFile();

let failed = false;
for (const dockerfile of dockerfiles) {
  const problems = checkDockerfile({
    dockerfile,
    text: readFileSync(join(root, dockerfile), 'utf8'),
    workspaces,
    fileExists,
  });
  for (const problem of problems) console.error(`${dockerfile}: ${problem}`);
  if (problems.length === 0) console.log(`${dockerfile}: ok`);
  failed ||= problems.length > 0;
}
if (dockerfiles.length === 0) console.log('dockerfile-check: no Dockerfiles found');
process.exit(failed ? 1 : 0);
