// Where the window's pages may come from, as pure functions (no Electron import, so they are
// tested as they are): the app's own scheme, serving only the built renderer folder, or in
// development the electron-vite dev server. Navigation and IPC accept these and nothing else.

/** The built renderer is served as app://renderer/…, never as file:// (which reaches every file). */
export const RENDERER_SCHEME = 'app';
export const RENDERER_HOST = 'renderer';
export const RENDERER_INDEX = `${RENDERER_SCHEME}://${RENDERER_HOST}/index.html`;

/**
 * The dev server's URL, obeyed only in development: in a packaged app an environment variable
 * must not point the window (and its IPC rights) at another site. Only http(s) is taken.
 */
export function devServerUrl(value: string | undefined, packaged: boolean): string | undefined {
  if (packaged || !value) return undefined;
  const url = parse(value);
  return url && (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password ? url.href : undefined;
}

/**
 * Whether `url` is one of our pages. Parsed and compared part by part: a prefix test let
 * `http://localhost:5173.evil.com` and `file:///…/out/renderer-evil/x.html` through.
 */
export function isRendererUrl(url: string, devUrl?: string): boolean {
  const u = parse(url);
  if (!u || u.username || u.password) return false;
  if (devUrl) {
    const dev = parse(devUrl);
    return !!dev && u.protocol === dev.protocol && u.hostname === dev.hostname && u.port === dev.port;
  }
  return u.protocol === `${RENDERER_SCHEME}:` && u.hostname === RENDERER_HOST && !u.port && rendererPath(url) !== undefined;
}

/**
 * The file an app://renderer URL names, as path segments below the renderer folder; undefined
 * for another host or a path that could leave the folder (`..`, encoded slashes or backslashes,
 * drive letters, NUL). `/` is the index page.
 */
export function rendererPath(url: string): string[] | undefined {
  const u = parse(url);
  if (!u || u.protocol !== `${RENDERER_SCHEME}:` || u.hostname !== RENDERER_HOST || u.port || u.username || u.password) return undefined;
  // The raw path, before any decoding: `..` that URL parsing already resolved is gone, encoded is refused.
  const raw = u.pathname === '/' ? '/index.html' : u.pathname;
  const segments: string[] = [];
  for (const part of raw.split('/').slice(1)) {
    let name: string;
    try {
      name = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (!name || name === '.' || name === '..' || /[/\\:\0]/.test(name)) return undefined;
    segments.push(name);
  }
  return segments;
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
