// The two things the check reads from a Dockerfile: what each COPY takes from the build context
// (and where it puts it), and the final CMD. A small reader, not a full parser: it joins
// continuation lines, drops comments, and understands both the shell and the JSON (exec) form.
// COPY --from=<stage> is skipped: it copies from another stage, not from the repository.

export type ContextCopy = { sources: string[]; destination: string; line: number };
export type DockerfileFacts = { copies: ContextCopy[]; workdir: string; cmd: string[] | undefined };

type Instruction = { keyword: string; rest: string; line: number };

export function readDockerfile(text: string): DockerfileFacts {
  const facts: DockerfileFacts = { copies: [], workdir: '/', cmd: undefined };
  for (const { keyword, rest, line } of instructions(text)) {
    if (keyword === 'WORKDIR') facts.workdir = rest.trim();
    else if (keyword === 'CMD') facts.cmd = commandWords(rest);
    else if (keyword === 'COPY' || keyword === 'ADD') {
      const copy = contextCopy(rest, line);
      if (copy) facts.copies.push(copy);
    }
  }
  return facts;
}

function instructions(text: string): Instruction[] {
  const result: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (pending === '' && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (pending !== '' && trimmed.startsWith('#')) return; // comments may sit inside a continuation
    if (pending === '') startLine = index + 1;
    const continued = trimmed.endsWith('\\');
    pending += `${continued ? trimmed.slice(0, -1) : trimmed} `;
    if (continued) return;
    const match = /^(\S+)\s*(.*)$/s.exec(pending.trim());
    if (match)
      result.push({ keyword: (match[1] ?? '').toUpperCase(), rest: match[2] ?? '', line: startLine });
    pending = '';
  });
  return result;
}

function contextCopy(rest: string, line: number): ContextCopy | undefined {
  const words = commandWords(rest);
  const flags = words.filter((word) => word.startsWith('--'));
  if (flags.some((flag) => flag.startsWith('--from='))) return undefined;
  const paths = words.filter((word) => !word.startsWith('--'));
  if (paths.length < 2) return undefined;
  return { sources: paths.slice(0, -1), destination: paths.at(-1) as string, line };
}

/** The words of a JSON-array (exec) form, or of a shell form split on whitespace. */
function commandWords(rest: string): string[] {
  const trimmed = rest.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // not valid JSON: Docker then runs it as a shell command, and so do we
    }
  }
  return trimmed.split(/\s+/).filter((word) => word !== '');
}
