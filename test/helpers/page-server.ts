// A static server on 127.0.0.1 (a secure context, as the app's own scheme is) for the built
// compute page and the model files it fetches: the Chromium tests and bench/gpu.ts each say where
// a request's path is on disk.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** `fileOf` maps a request's path (without its leading slash) to a file, or to undefined to refuse it. */
export function servePages(fileOf: (rel: string) => string | undefined): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const file = fileOf(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, ''));
    if (!file) return void res.writeHead(403).end();
    try {
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(await readFile(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The built pages of `dir`, and `/models/…` from `modelsDir` when given; nothing outside the two. */
export function servePagesAndModels(dir: string, modelsDir?: string): Promise<http.Server> {
  return servePages((rel) => {
    const file = modelsDir && rel.startsWith('models/') ? path.join(modelsDir, rel.slice('models/'.length)) : path.join(dir, rel);
    return file.startsWith(dir) || (modelsDir !== undefined && file.startsWith(modelsDir)) ? file : undefined;
  });
}
