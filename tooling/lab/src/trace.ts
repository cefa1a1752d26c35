// `npm run lab:trace -- <trace_id>`: one trace across every service of the `npm start` lab, from
// the logs. Jaeger cannot be installed on a machine without Docker here (its Go module refuses
// `go install`: its go.mod has replace directives), but every log line already carries `trace_id`,
// so the trace's story can be read in time order from the replicas' log files. `--last` picks the
// trace of the newest request that crossed more than one service.
import { readdirSync, readFileSync } from 'node:fs';

const RUN = new URL('../../../.lab/run/', import.meta.url);

type Line = { time: number; file: string; fields: Record<string, unknown> };

function readLogs(): Line[] {
  const lines: Line[] = [];
  for (const file of readdirSync(RUN).filter((name) => name.endsWith('.log'))) {
    for (const text of readFileSync(new URL(file, RUN), 'utf8').split('\n')) {
      if (!text.startsWith('{')) continue;
      try {
        const fields = JSON.parse(text) as Record<string, unknown>;
        if (typeof fields.trace_id === 'string')
          lines.push({ time: Date.parse(String(fields.time)), file, fields });
      } catch {
        // a partial last line while the service is still writing it
      }
    }
  }
  return lines.sort((a, b) => a.time - b.time);
}

/** The newest trace whose lines come from more than one service. */
function lastCrossServiceTrace(lines: Line[]): string | undefined {
  const services = new Map<string, Set<string>>();
  for (const line of lines) {
    const id = line.fields.trace_id as string;
    const set = services.get(id) ?? new Set();
    set.add(line.file.replace(/-r\d+\.log$/, ''));
    services.set(id, set);
  }
  return [...services].filter(([, set]) => set.size > 1).at(-1)?.[0];
}

const lines = readLogs();
const wanted =
  process.argv[2] === '--last' || !process.argv[2] ? lastCrossServiceTrace(lines) : process.argv[2];
if (!wanted) {
  console.error(
    'usage: npm run lab:trace -- <trace_id> | --last   (no cross-service trace in .lab/run/*.log yet)',
  );
  process.exit(2);
}
const trace = lines.filter((line) => line.fields.trace_id === wanted);
console.log(`trace ${wanted}: ${trace.length} log lines`);
for (const { time, file, fields } of trace) {
  // The fields a reader follows a request by; everything else stays in the log file.
  const { msg, span_id, method, route, status_code, duration_ms } = fields;
  const request = method ? ` ${method} ${route} -> ${status_code} in ${duration_ms} ms` : '';
  const where = file.replace(/\.log$/, '').padEnd(20);
  console.log(`${new Date(time).toISOString()}  ${where} span ${span_id}  ${msg}${request}`);
}
