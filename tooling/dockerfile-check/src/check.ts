// Would this image start? Checked without a Docker engine (none runs on the lab's CI machines):
//   - every workspace the service needs at run time (its workspace `dependencies`, transitively)
//     has its package.json copied (npm ci links workspaces from their manifests) and the folder its
//     `exports` point into (src/) copied, each to the same path as in the repository, because Node
//     strips types only outside node_modules and the workspace symlinks must resolve;
//   - the final CMD names a real file, and so does a preload given as a workspace subpath
//     (`--import @lab/service-kit/tracing`), and the image contains it.
// The failure it prevents: services/rate-limiter/Dockerfile was written before @lab/metrics existed
// and never copied it; the image built and then crashed at its first import.
import { dirname, join, matchesGlob, normalize } from 'node:path';
import { readDockerfile } from './dockerfile.ts';
import { exportedFiles, runtimeWorkspaces, type Workspace } from './workspaces.ts';

export type DockerfileInput = {
  /** Relative to the repository root, e.g. services/rate-limiter/Dockerfile. */
  dockerfile: string;
  text: string;
  workspaces: ReadonlyMap<string, Workspace>;
  /** Whether a path relative to the repository root is a file. */
  fileExists: (path: string) => boolean;
};

/** The problems found, one sentence each; empty when the image would have what it needs. */
export function checkDockerfile(input: DockerfileInput): string[] {
  const serviceDir = dirname(input.dockerfile);
  const service = [...input.workspaces.values()].find((workspace) => workspace.dir === serviceDir);
  if (!service) return [`no workspace package.json next to ${input.dockerfile}`];
  const facts = readDockerfile(input.text);
  const copied = mirroredSources(facts.copies, facts.workdir, input.fileExists);
  const inImage = (path: string) => isCovered(normalize(path), copied);

  const problems: string[] = [];
  for (const workspace of runtimeWorkspaces(service, input.workspaces)) {
    const manifest = join(workspace.dir, 'package.json');
    if (!inImage(manifest))
      problems.push(`does not copy ${manifest} (npm ci needs it to link ${workspace.name})`);
    for (const folder of new Set(exportedFiles(workspace).map((file) => sourceFolder(workspace, file)))) {
      if (!inImage(folder))
        problems.push(`does not copy ${folder} (${workspace.name} is needed by ${service.name})`);
    }
  }
  problems.push(...checkCommand(facts.cmd, facts.workdir, input, inImage));
  return problems;
}

/** The folder of the workspace an export lives in: packages/x/src for packages/x/src/a/b.ts. */
function sourceFolder(workspace: Workspace, file: string): string {
  const [first] = file.slice(workspace.dir.length + 1).split('/');
  return join(workspace.dir, first ?? '');
}

function checkCommand(
  cmd: string[] | undefined,
  workdir: string,
  input: DockerfileInput,
  inImage: (path: string) => boolean,
): string[] {
  if (!cmd || cmd.length === 0) return ['has no CMD'];
  const files = commandFiles(cmd, workdir, input.workspaces);
  if (files.length === 0) return [`CMD ${JSON.stringify(cmd)} names no file to run`];
  const problems: string[] = [];
  for (const file of files) {
    if (!input.fileExists(file)) problems.push(`CMD names ${file}, which does not exist`);
    else if (!inImage(file)) problems.push(`CMD names ${file}, which the image does not contain`);
  }
  return problems;
}

const SCRIPT = /\.(ts|mts|js|mjs|cjs)$/;
const PRELOAD_FLAGS = new Set(['--import', '--require', '-r']);

/** Repository paths of the scripts a CMD runs: file arguments and workspace-subpath preloads. */
function commandFiles(cmd: string[], workdir: string, workspaces: ReadonlyMap<string, Workspace>): string[] {
  const files: string[] = [];
  cmd.forEach((word, i) => {
    const [flag, inline] = word.split('=', 2);
    const preload = inline !== undefined && PRELOAD_FLAGS.has(flag ?? '') ? inline : undefined;
    const afterFlag = PRELOAD_FLAGS.has(cmd[i - 1] ?? '') ? word : undefined;
    const specifier = preload ?? afterFlag;
    const fromWorkspace = specifier ? resolveWorkspaceSubpath(specifier, workspaces) : undefined;
    if (fromWorkspace) files.push(fromWorkspace);
    else if (!word.startsWith('-') && SCRIPT.test(word)) files.push(fromWorkdir(word, workdir));
  });
  return files;
}

/** `@lab/service-kit/tracing` -> the file its package's exports map `./tracing` to. */
function resolveWorkspaceSubpath(
  specifier: string,
  workspaces: ReadonlyMap<string, Workspace>,
): string | undefined {
  for (const workspace of workspaces.values()) {
    if (specifier !== workspace.name && !specifier.startsWith(`${workspace.name}/`)) continue;
    const subpath = `.${specifier.slice(workspace.name.length)}`;
    const { exports } = workspace.manifest;
    const target = typeof exports === 'string' ? (subpath === '.' ? exports : undefined) : exports?.[subpath];
    return join(workspace.dir, target ?? `<no export "${subpath}">`);
  }
  return undefined;
}

/**
 * Sources copied to the same relative path they have in the repository (WORKDIR = repo root).
 * Docker's rule: a file copied into a folder (a destination ending in `/`, or several sources)
 * keeps its name; a folder's contents are copied, so the folder itself lands at the destination.
 */
function mirroredSources(
  copies: ReturnType<typeof readDockerfile>['copies'],
  workdir: string,
  isFile: (path: string) => boolean,
): string[] {
  const sources: string[] = [];
  for (const { sources: from, destination } of copies) {
    const into = fromWorkdir(destination, workdir);
    const intoFolder = destination.endsWith('/') || from.length > 1 || into === '.';
    for (const source of from) {
      const name = source.split('/').filter(Boolean).at(-1) ?? '';
      const placed = intoFolder && isFile(source) ? join(into, name) : into;
      if (normalize(placed) === normalize(source) || normalize(source) === '.')
        sources.push(normalize(source));
    }
  }
  return sources;
}

function fromWorkdir(path: string, workdir: string): string {
  const base = workdir.endsWith('/') ? workdir : `${workdir}/`;
  if (path.startsWith(base)) return normalize(path.slice(base.length) || '.');
  return path.startsWith('/') ? path : normalize(path);
}

function isCovered(path: string, copied: readonly string[]): boolean {
  return copied.some(
    (source) =>
      source === '.' || path === source || path.startsWith(`${source}/`) || matchesGlob(path, source),
  );
}
