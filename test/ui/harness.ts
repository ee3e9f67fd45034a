// The e2e harness: the built renderer in Debian's Chromium, with the real StudioService of this
// process exposed to the page as window.api in place of Electron's preload. Requests go through
// the same table as Electron's IPC (src-main/electron/requests.ts), so only the transport differs.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { build, type InlineConfig } from 'vite';
import electronViteConfig from '../../electron.vite.config.ts';
import { errorMessageOf, type StudioEvent } from '../../src-main/contract.ts';
import { answer, Grants, requests, type Host, type Method } from '../../src-main/electron/requests.ts';
import { redactLogEvent } from '../../src-main/electron/redact-paths.ts';
import { RecentFiles } from '../../src-main/service/recents.ts';
import { StudioService, type StudioOptions } from '../../src-main/service/studio.ts';
import { mirrorDir, noNetwork, repoRoot, sharedDir, tempDir } from '../helpers/shared.ts';

export const CHROMIUM = process.env.CLASSIFIER_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const artifactsDir = path.join(repoRoot, 'test-artifacts');
export const screenshotsDir = path.join(artifactsDir, 'screenshots');
const rendererOut = path.join(artifactsDir, 'renderer');

/** Builds the renderer exactly as electron-vite would (same config), into test-artifacts/renderer. */
export async function buildRenderer(): Promise<string> {
  const cfg = (electronViteConfig as { renderer: InlineConfig }).renderer;
  await build({
    ...cfg,
    configFile: false,
    base: './',
    logLevel: 'warn',
    build: { ...cfg.build, outDir: rendererOut, emptyOutDir: true, reportCompressedSize: false, minify: false },
  });
  return rendererOut;
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2' };

/** Serves the built files over http: Chromium refuses ES modules from file: pages. */
function serve(dir: string): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.join(dir, rel);
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** What the native dialogs answer: the test decides instead of a person. */
export interface Dialogs {
  image: (string | null)[];
  /** Answers of the several-files dialog (adding to a dataset). */
  images: string[][];
  folder: (string | null)[];
  /** Answers of the model open dialog (a model file or folder to import). */
  model: (string | null)[];
  /** Answers of the save dialog; when none is queued, the suggested name in a temporary folder. */
  save: (string | null)[];
  savedCsv: { file: string; csv: string }[];
}

export interface Studio {
  page: Page;
  service: StudioService;
  dialogs: Dialogs;
  storeDir: string;
  /** The model cache, where a user may put converted models (zoo alternatives). */
  cacheDir: string;
  /** Every event main sent to the page, for assertions. */
  events: StudioEvent[];
  close(): Promise<void>;
}

/** Runs in the page before any of its scripts: the preload's window.api, over exposed functions. */
function preloadStandIn(methods: string[]): void {
  // Runs in the page: `globalThis` is its window (this file is type-checked without DOM types).
  const w = globalThis as unknown as Record<string, unknown>;
  const listeners = new Set<(e: unknown) => void>();
  type Call = (m: string, p: unknown) => Promise<{ ok: boolean; value?: unknown; error?: string }>;
  const api: Record<string, unknown> = {
    onEvent: (l: (e: unknown) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  for (const m of methods) {
    api[m] = async (payload?: unknown) => {
      const reply = await (w.__studioCall as Call)(m, payload);
      if (!reply.ok) throw new Error(reply.error);
      return reply.value;
    };
  }
  w.__studioEvent = (e: unknown) => listeners.forEach((l) => l(e));
  Object.defineProperty(globalThis, 'api', { value: Object.freeze(api), writable: false });
}

export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** One browser, one page at 1280x800, one service on temporary folders and the offline mirrors. */
export async function startStudio(
  opts: {
    locale?: string;
    /** Added to chromiumArgs (a fake webcam, say). */
    extraArgs?: string[];
    /** Downloads through this fetch (a local test server), with no model mirror: zoo models start absent. */
    fetch?: typeof fetch;
    viewport?: { width: number; height: number };
    /** Changes to the service's options: a local server's fetch and catalogue entry, say (offline and noNetwork otherwise). */
    service?: Partial<StudioOptions>;
  } = {},
): Promise<Studio> {
  const dir = await buildRenderer();
  const server = await serve(dir);
  const tmp = await tempDir('cs-ui-');
  const storeDir = path.join(tmp, 'store');
  const cacheDir = path.join(tmp, 'cache');
  await mkdir(storeDir, { recursive: true });
  const service = new StudioService({
    cacheDir,
    ...(opts.fetch ? {} : { mirrorDir }),
    datasetMirrorDir: path.join(sharedDir, 'datasets'),
    storeDir,
    stateDir: tmp,
    offline: !opts.fetch,
    fetch: opts.fetch ?? noNetwork,
    ...opts.service,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...chromiumArgs, ...(opts.extraArgs ?? [])], headless: true });
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 }, locale: opts.locale ?? 'en-US', deviceScaleFactor: 1 });
  const page = await context.newPage();
  const dialogs: Dialogs = { image: [], images: [], folder: [], model: [], save: [], savedCsv: [] };
  // The native dialogs answer what the test queued; everything else is the app's own code.
  const host: Host = {
    openImage: async () => dialogs.image.shift() ?? null,
    openImages: async () => dialogs.images.shift() ?? [],
    openFolder: async () => dialogs.folder.shift() ?? null,
    saveAs: async (name) => (dialogs.save.length ? dialogs.save.shift()! : path.join(tmp, name)),
    openModel: async () => dialogs.model.shift() ?? null,
    reveal: () => undefined,
    version: '0.0.0-e2e',
    versions: { chrome: browser.version(), node: process.versions.node },
  };
  const table = requests(service, host, new Grants(new RecentFiles(path.join(tmp, 'recent-images.json'))));
  await page.exposeFunction('__studioCall', async (method: string, payload: unknown) => {
    const request = table[method as Method];
    if (!request) return { ok: false, error: `unknown request ${method}` };
    // Playwright sends JSON, where Electron sends structured clones: an absent payload arrives as null.
    const reply = await answer(request, payload ?? undefined);
    if (reply.ok && method === 'saveCsv' && typeof reply.value === 'string') dialogs.savedCsv.push({ file: reply.value, csv: await readFile(reply.value, 'utf8') });
    return reply.ok ? { ok: true, value: reply.value ?? null } : { ok: false, error: errorMessageOf(reply) };
  });
  await page.addInitScript(preloadStandIn, Object.keys(table));
  const events: StudioEvent[] = [];
  const unsubscribe = service.on((e) => {
    events.push(e);
    page
      // As main's send(): log lines reach the window with file names, not absolute paths.
      .evaluate((ev) => (globalThis as unknown as { __studioEvent?: (e: unknown) => void }).__studioEvent?.(ev), redactLogEvent(e))
      .catch((err: Error) => {
        // A closed page is fine; a listener that throws in the page is a bug worth seeing.
        if (!/closed|destroyed/i.test(err.message)) console.error(`event ${e.type} failed in the page: ${err.message.split('\n')[0]}`);
      });
  });
  const port = (server.address() as AddressInfo).port;
  page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
  await page.goto(`http://127.0.0.1:${port}/index.html`);
  return {
    page,
    service,
    dialogs,
    storeDir,
    cacheDir,
    events,
    async close() {
      unsubscribe();
      service.dispose();
      await browser.close().catch(() => undefined);
      await new Promise((r) => server.close(r));
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotsDir, { recursive: true });
  const file = path.join(screenshotsDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
