// Baseline 1, the ceiling: a bare Node http server that reads the body, JSON.parses it and answers
// 200. No framework, no validation, no database. Whatever our collector does costs relative to this.
import { createServer } from 'node:http';
import { serve } from './serve';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"malformed JSON"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});

serve(server, 'bare server');
