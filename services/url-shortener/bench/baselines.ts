// The benchmark's baselines, run as their own process (no tracing preload: they are "bare"):
//   bare-express  an express 5 app whose one route answers 302 from a constant in-memory map
//   node-http     node:http answering the same 302 from the same map: the physical limit
// Both send what the service sends for a redirect: status, Location, an empty body.
// Usage: node baselines.ts <bare-express|node-http> <codes.json>; prints "listening <port>".
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import express from 'express';

const [kind, file] = process.argv.slice(2);
const targets = new Map<string, string>(JSON.parse(readFileSync(file ?? '', 'utf8')) as [string, string][]);

function bareExpress(): Server {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/:code', (req, res) => {
    const url = targets.get(req.params.code);
    if (!url) {
      res.status(404).end();
      return;
    }
    res.status(302).setHeader('Location', url);
    res.setHeader('Content-Length', '0');
    res.end();
  });
  return createServer(app);
}

function nodeHttp(): Server {
  return createServer((req, res) => {
    const url = targets.get((req.url ?? '').slice(1));
    if (!url) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(302, { Location: url, 'Content-Length': '0' }).end();
  });
}

const server = kind === 'bare-express' ? bareExpress() : kind === 'node-http' ? nodeHttp() : undefined;
if (!server) throw new Error(`unknown baseline ${kind}`);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
