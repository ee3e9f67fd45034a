// The app:// scheme's answers: files of the built renderer folder and nothing else, each with
// the Content-Security-Policy. No Electron import: main.ts hands requests here, tests call it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { rendererPath } from './renderer-origin.ts';

/**
 * What the pages may load: their own scripts and styles; images also as data: URLs (previews,
 * thumbnails, augmentation samples) and blob: URLs (a dropped or pasted image). Styles may be
 * inline: Vue writes style attributes and chart.js sizes its canvas. No plugins, no <base>, no
 * forms that post, no frames, no workers. src-renderer/index.html carries the same as a meta tag
 * (for the dev server and the e2e harness); test/window-security.test.ts keeps the two equal.
 */
/** What neither page may do: plugins, <base>, forms that post, frames, workers. */
const NOTHING_ELSE = ["object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-src 'none'", "worker-src 'none'"];

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  ...NOTHING_ELSE,
].join('; ');

/**
 * The hidden compute page's: nothing by default, its own scripts, and WebAssembly compiled from
 * its own origin's binaries (tfjs's wasm backend; 'wasm-unsafe-eval' allows WebAssembly and not
 * eval). No styles, images or fonts: it has no UI. src-renderer/compute.html carries the same.
 */
export const COMPUTE_CONTENT_SECURITY_POLICY = ["default-src 'none'", "script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self'", ...NOTHING_ELSE].join('; ');

/** The page whose document gets the compute policy; every other file is served with the app's. */
export const COMPUTE_PAGE = 'compute.html';

/** A header can say what a meta tag cannot: no page may frame ours. */
const headerPolicy = (segments: string[]) =>
  `${segments.length === 1 && segments[0] === COMPUTE_PAGE ? COMPUTE_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  // WebAssembly.instantiateStreaming takes only this type.
  '.wasm': 'application/wasm',
};

const notFound = () => new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });

/** Answers one app:// request from the files under `root` (out/renderer). */
export async function rendererResponse(request: { url: string; method: string }, root: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('Method not allowed', { status: 405 });
  const segments = rendererPath(request.url);
  if (!segments) return notFound();
  const file = path.join(root, ...segments);
  // rendererPath already refuses every way out; this holds even if it one day did not.
  const rel = path.relative(root, file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return notFound();
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return notFound();
  }
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
    headers: {
      'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-security-policy': headerPolicy(segments),
      'x-content-type-options': 'nosniff',
    },
  });
}
