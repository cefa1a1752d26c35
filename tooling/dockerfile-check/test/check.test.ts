// The Dockerfile check on small made-up repositories (each rule, failing and passing), and on this
// repository's own Dockerfiles.
import assert from 'node:assert/strict';
import { existsSync, globSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkDockerfile } from '../src/check.ts';
import { readDockerfile } from '../src/dockerfile.ts';
import { readWorkspaces, type Workspace } from '../src/workspaces.ts';

// service -> @x/a -> @x/b at run time; @x/dev only as a devDependency.
const fixture: Workspace[] = [
  { name: '@x/svc', dir: 'services/svc', manifest: { dependencies: { '@x/a': '*', express: '^5' } } },
  {
    name: '@x/a',
    dir: 'packages/a',
    manifest: { dependencies: { '@x/b': '*' }, exports: { '.': './src/index.ts' } },
  },
  {
    name: '@x/b',
    dir: 'packages/b',
    manifest: { exports: { '.': './src/index.ts', './preload': './src/preload.ts' } },
  },
  { name: '@x/dev', dir: 'packages/dev', manifest: { exports: './src/index.ts' } },
];
const workspaces = new Map(fixture.map((workspace) => [workspace.name, workspace]));
const files = new Set([
  'package.json',
  'services/svc/package.json',
  'services/svc/src/main.ts',
  'packages/a/package.json',
  'packages/a/src/index.ts',
  'packages/b/package.json',
  'packages/b/src/index.ts',
  'packages/b/src/preload.ts',
]);

const complete = `FROM node:24-slim AS deps
WORKDIR /app
# manifests first
COPY package.json package-lock.json ./
COPY packages/a/package.json packages/a/
COPY packages/b/package.json packages/b/
COPY services/svc/package.json services/svc/
RUN npm ci --omit=dev

FROM node:24-slim
WORKDIR /app
COPY --from=deps /app ./
COPY --chown=node:node packages/a/src packages/a/src
COPY --chown=node:node packages/b/src \\
     packages/b/src
COPY services/svc/src services/svc/src
HEALTHCHECK CMD node -e "process.exit(0)"
CMD ["node", "--import", "@x/b/preload", "services/svc/src/main.ts"]
`;

const check = (text: string) =>
  checkDockerfile({
    dockerfile: 'services/svc/Dockerfile',
    text,
    workspaces,
    fileExists: (path) => files.has(path),
  });
const without = (line: string) => complete.replace(`${line}\n`, '');

describe('checkDockerfile', () => {
  it('passes a Dockerfile that copies every runtime workspace and runs a real file', () => {
    assert.deepEqual(check(complete), []);
  });

  it('names a transitive workspace dependency whose manifest or sources are not copied', () => {
    assert.deepEqual(check(without('COPY packages/b/package.json packages/b/')), [
      'does not copy packages/b/package.json (npm ci needs it to link @x/b)',
    ]);
    const noSources = complete.replace('COPY --chown=node:node packages/b/src \\\n     packages/b/src\n', '');
    assert.deepEqual(check(noSources), [
      'does not copy packages/b/src (@x/b is needed by @x/svc)',
      'CMD names packages/b/src/preload.ts, which the image does not contain',
    ]);
  });

  it("does not count a folder copied into its parent (Docker copies the folder's contents)", () => {
    const flattened = complete.replace('packages/a/src packages/a/src', 'packages/a/src packages/a/');
    assert.deepEqual(check(flattened), ['does not copy packages/a/src (@x/a is needed by @x/svc)']);
  });

  it('names a CMD file that does not exist, a missing export, and a missing CMD', () => {
    assert.deepEqual(check(complete.replace('services/svc/src/main.ts', 'services/svc/src/server.ts')), [
      'CMD names services/svc/src/server.ts, which does not exist',
    ]);
    assert.deepEqual(check(complete.replace('@x/b/preload', '@x/b/tracing')), [
      'CMD names packages/b/<no export "./tracing">, which does not exist',
    ]);
    assert.deepEqual(check(complete.replace(/^CMD .*$/m, '')), ['has no CMD']);
  });

  it('refuses a Dockerfile with no workspace next to it', () => {
    assert.deepEqual(
      checkDockerfile({
        dockerfile: 'services/ghost/Dockerfile',
        text: complete,
        workspaces,
        fileExists: () => true,
      }),
      ['no workspace package.json next to services/ghost/Dockerfile'],
    );
  });
});

describe('readDockerfile', () => {
  it('joins continuations, skips comments and --from copies, reads both CMD forms', () => {
    const facts = readDockerfile(complete);
    assert.equal(facts.workdir, '/app');
    assert.deepEqual(facts.cmd, ['node', '--import', '@x/b/preload', 'services/svc/src/main.ts']);
    assert.ok(facts.copies.every((copy) => !copy.sources.includes('/app')));
    assert.deepEqual(
      facts.copies.find((copy) => copy.sources[0] === 'packages/b/src')?.destination,
      'packages/b/src',
    );
    assert.deepEqual(readDockerfile('CMD node services/svc/src/main.ts').cmd, [
      'node',
      'services/svc/src/main.ts',
    ]);
  });
});

describe("this repository's Dockerfiles", () => {
  it('each copies what its service needs and starts a real file', () => {
    const root = join(import.meta.dirname, '../../..');
    const all = readWorkspaces(root);
    const dockerfiles = globSync('{packages,services,tooling}/*/Dockerfile', { cwd: root });
    assert.ok(dockerfiles.length > 0, 'found at least one Dockerfile');
    const fileExists = (path: string) => existsSync(join(root, path)) && statSync(join(root, path)).isFile();
    for (const dockerfile of dockerfiles) {
      const text = readFileSync(join(root, dockerfile), 'utf8');
      assert.deepEqual(checkDockerfile({ dockerfile, text, workspaces: all, fileExists }), [], dockerfile);
    }
  });
});
