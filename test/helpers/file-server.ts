// A real HTTP server on 127.0.0.1 (ephemeral port) serving real files, for download tests: it
// honours Range requests (or, when told, ignores them), can cut the connection after n bytes,
// serve corrupted bytes, and throttle, and it records every request.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface Served {
  path: string;
  range?: string;
  status: number;
}

export interface FileServer {
  base: string;
  requests: Served[];
  /** Honour Range requests (default true). */
  ranges: boolean;
  /** Cut the connection of the next response after this many body bytes. */
  cutNextAfter?: number;
  /** Serve this file's bytes with one flipped. */
  corrupt: Set<string>;
  /** Bytes per 10 ms tick; undefined sends at once. */
  throttle?: number;
  close(): Promise<void>;
}

/**
 * Serves the files under `root`. A request path is matched by its trailing segments, so an
 * official URL's path (/tfjs-models/tfjs/mobilenet_v1_0.75_224/model.json) finds the mirror's
 * mobilenet_v1_0.75_224/model.json, as a mirror laid out by last URL segments would have it.
 */
export async function startFileServer(root: string): Promise<FileServer> {
  const state: FileServer = { base: '', requests: [], ranges: true, corrupt: new Set(), close: async () => {} };
  const find = async (urlPath: string): Promise<{ rel: string; data: Buffer } | undefined> => {
    const parts = decodeURIComponent(urlPath).split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      const rel = parts.slice(i).join('/');
      try {
        return { rel, data: await readFile(path.join(root, rel)) };
      } catch {
        /* a shorter suffix, then */
      }
    }
    return undefined;
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      const found = await find(new URL(req.url!, 'http://x').pathname);
      const record = (status: number) => state.requests.push({ path: found?.rel ?? req.url!, range: req.headers.range, status });
      if (!found) {
        record(404);
        return res.writeHead(404).end();
      }
      let data = found.data;
      if (state.corrupt.has(found.rel)) {
        data = Buffer.from(data);
        data[data.length >> 1] ^= 0xff;
      }
      const m = state.ranges ? /^bytes=(\d+)-$/.exec(req.headers.range ?? '') : null;
      let start = 0;
      if (m) {
        start = Number(m[1]);
        if (start >= data.length) {
          record(416);
          return res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        }
        record(206);
        res.writeHead(206, { 'content-length': data.length - start, 'content-range': `bytes ${start}-${data.length - 1}/${data.length}`, 'accept-ranges': 'bytes' });
      } else {
        record(200);
        res.writeHead(200, { 'content-length': data.length, ...(state.ranges ? { 'accept-ranges': 'bytes' } : {}) });
      }
      const body = data.subarray(start);
      const cut = state.cutNextAfter;
      state.cutNextAfter = undefined;
      const end = cut === undefined ? body.length : Math.min(cut, body.length);
      const step = state.throttle ?? end;
      for (let at = 0; at < end; at += step) {
        if (res.destroyed) return;
        const chunk = body.subarray(at, Math.min(at + step, end));
        await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
        if (state.throttle) await new Promise((r) => setTimeout(r, 10));
      }
      // Cut: the client has the bytes so far, then the connection drops mid-body.
      if (cut !== undefined) setTimeout(() => res.socket?.destroy(), 20);
      else res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
