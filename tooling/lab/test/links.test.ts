// Every relative link in every Markdown file of the repo resolves to a file or folder that exists,
// so a README or a doc never sends a reader to a path that was renamed or never merged. Links to
// other sites, `mailto:` and in-page anchors are not checked (they need the network or a renderer).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = new URL('../../../', import.meta.url).pathname;
const SKIP_DIRS = new Set(['node_modules', '.git', '.lab', '.turbo']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : markdownFiles(join(dir, entry.name));
    return entry.name.endsWith('.md') ? [join(dir, entry.name)] : [];
  });
}

/** Link targets of a Markdown text, outside code blocks and code spans: `[x](target)` and `[x]: target`. */
export function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/\]\(\s*(?:<([^>\n]+)>|([^)\s]+))(?:\s+"[^"]*")?\s*\)/g)].map(
    (m) => (m[1] ?? m[2]) as string,
  );
  const defined = [...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map(
    (m) => m[1] as string,
  );
  return [...inline, ...defined];
}

function isRelative(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#') && !target.startsWith('//');
}

describe('Markdown links', () => {
  it('finds inline and reference links, and ignores code and other sites', () => {
    assert.deepEqual(
      linkTargets(
        '[a](docs/x.md#part) [b](<../y z.md>) ![c](img.svg "title") [d](https://example.com) `[e](no.md)`\n```\n[f](no.md)\n```\n[g]: ./ref.md\n',
      ).filter(isRelative),
      ['docs/x.md#part', '../y z.md', 'img.svg', './ref.md'],
    );
  });

  it('every relative link in every *.md resolves to a file or folder', () => {
    const files = markdownFiles(ROOT);
    assert.ok(files.length > 10, `found the Markdown files (${files.length})`);
    const broken: string[] = [];
    for (const file of files) {
      for (const target of linkTargets(readFileSync(file, 'utf8')).filter(isRelative)) {
        const path = decodeURIComponent(target.replace(/[#?].*$/, ''));
        if (path === '') continue;
        const resolved = path.startsWith('/') ? join(ROOT, path) : join(dirname(file), path);
        if (!existsSync(resolved)) broken.push(`${relative(ROOT, file)}: ${target}`);
      }
    }
    assert.deepEqual(broken, [], 'links that resolve to nothing');
  });
});
