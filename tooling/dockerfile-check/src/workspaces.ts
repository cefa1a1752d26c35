// The repository's npm workspaces (name -> folder and manifest) and the workspaces a service needs
// at run time: its `dependencies` that are workspaces, transitively. devDependencies are left out,
// because the images install with `npm ci --omit=dev`.
import { globSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Manifest = {
  name?: string;
  dependencies?: Record<string, string>;
  exports?: string | Record<string, string>;
  workspaces?: string[];
};
export type Workspace = { name: string; dir: string; manifest: Manifest };

/** Every workspace of the repository at `root`, by package name; `dir` is relative to `root`. */
export function readWorkspaces(root: string): Map<string, Workspace> {
  const rootManifest = readManifest(join(root, 'package.json'));
  const byName = new Map<string, Workspace>();
  for (const pattern of rootManifest.workspaces ?? []) {
    for (const manifestPath of globSync(`${pattern}/package.json`, { cwd: root })) {
      const manifest = readManifest(join(root, manifestPath));
      const dir = manifestPath.slice(0, -'/package.json'.length);
      if (manifest.name) byName.set(manifest.name, { name: manifest.name, dir, manifest });
    }
  }
  return byName;
}

function readManifest(path: string): Manifest {
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

/** `start` and every workspace it depends on at run time, transitively, each once, `start` first. */
export function runtimeWorkspaces(start: Workspace, all: ReadonlyMap<string, Workspace>): Workspace[] {
  const seen = new Map<string, Workspace>([[start.name, start]]);
  const queue = [start];
  for (let next = queue.shift(); next; next = queue.shift()) {
    for (const dependency of Object.keys(next.manifest.dependencies ?? {})) {
      const workspace = all.get(dependency);
      if (workspace && !seen.has(workspace.name)) {
        seen.set(workspace.name, workspace);
        queue.push(workspace);
      }
    }
  }
  return [...seen.values()];
}

/** The files a workspace's `exports` point at, relative to the repository root. */
export function exportedFiles(workspace: Workspace): string[] {
  const { exports } = workspace.manifest;
  const targets = typeof exports === 'string' ? [exports] : Object.values(exports ?? {});
  return targets.map((target) => join(workspace.dir, target));
}
