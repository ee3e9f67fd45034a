// The window's boundaries: which URLs count as our pages (navigation and IPC), what the app://
// scheme serves, the Content-Security-Policy, and main.ts wired to them, run against a mocked
// Electron (there is no Electron binary here) so the real module's choices are what is checked.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { computeSwitches, takePageBackend } from '../src-main/electron/compute-switches.ts';
import { COMPUTE_CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY, rendererResponse } from '../src-main/electron/renderer-files.ts';
import { devServerUrl, isRendererUrl, RENDERER_INDEX, rendererPath } from '../src-main/electron/renderer-origin.ts';
import { repoRoot, tempDir } from './helpers/shared.ts';

const DEV = 'http://localhost:5173/';

describe('isRendererUrl', () => {
  it("takes the app scheme's pages, and the dev server only when it is the one in use", () => {
    for (const url of [RENDERER_INDEX, 'app://renderer/', 'app://renderer/assets/index-x1.js', 'app://renderer/index.html#/models']) {
      expect(isRendererUrl(url), url).toBe(true);
      expect(isRendererUrl(url, DEV), `${url} while developing`).toBe(false);
    }
    for (const url of ['http://localhost:5173/', 'http://localhost:5173/index.html?x=1']) {
      expect(isRendererUrl(url, DEV), url).toBe(true);
      expect(isRendererUrl(url), `${url} packaged`).toBe(false);
    }
  });

  it('refuses look-alikes a prefix test let through', () => {
    const appLookAlikes = [
      'app://renderer-evil/x.html',
      'app://renderer.evil.com/index.html',
      'app://evil@renderer/index.html',
      'app://renderer:8080/index.html',
      'app://renderer/a%2Fb',
      'app://renderer/a%5Cb',
      'app://renderer/C%3A/x',
      'app://renderer/x%00',
      'file:///opt/app/out/renderer/index.html',
      'file:///opt/app/out/renderer-evil/x.html',
      'https://renderer/index.html',
      'javascript:alert(1)',
      '',
      'not a url',
    ];
    for (const url of appLookAlikes) expect(isRendererUrl(url), url).toBe(false);
    const devLookAlikes = [
      'http://localhost:5173.evil.com/',
      'http://localhost:51730/',
      'http://localhost:5174/',
      'https://localhost:5173/',
      'http://localhost.evil.com:5173/',
      'http://localhost:5173@evil.com/',
      'http://evil.com/?http://localhost:5173/',
      'ws://localhost:5173/',
      'http://127.0.0.1:5173/',
    ];
    for (const url of devLookAlikes) expect(isRendererUrl(url, DEV), url).toBe(false);
  });
});

describe('devServerUrl', () => {
  it('obeys ELECTRON_RENDERER_URL in development only, and only for http(s)', () => {
    expect(devServerUrl(DEV, false)).toBe(DEV);
    expect(devServerUrl(DEV, true)).toBeUndefined();
    expect(devServerUrl(undefined, false)).toBeUndefined();
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'app://renderer/', 'http://u:p@localhost:5173/', 'nonsense']) {
      expect(devServerUrl(bad, false), bad).toBeUndefined();
    }
  });
});

describe('the app:// scheme', () => {
  const setUp = async () => {
    const top = await tempDir('cs-scheme-');
    const root = path.join(top, 'renderer');
    await mkdir(path.join(root, 'assets'), { recursive: true });
    await mkdir(path.join(top, 'renderer-evil'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>ok</title>');
    await writeFile(path.join(root, 'assets/app.js'), 'export {}');
    await writeFile(path.join(top, 'secret.txt'), 'secret');
    await writeFile(path.join(top, 'renderer-evil/x.html'), 'evil');
    return root;
  };

  it("serves the renderer folder's files with the policy, nothing else", async () => {
    const root = await setUp();
    const index = await rendererResponse({ url: RENDERER_INDEX, method: 'GET' }, root);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toBe(`${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await index.text()).toContain('<title>ok</title>');
    expect((await rendererResponse({ url: 'app://renderer/', method: 'GET' }, root)).status).toBe(200);
    const js = await rendererResponse({ url: 'app://renderer/assets/app.js', method: 'GET' }, root);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);

    const outside = [
      'app://renderer/../secret.txt',
      'app://renderer/%2e%2e/secret.txt',
      'app://renderer/assets/%2E%2E/%2E%2E/secret.txt',
      'app://renderer/..%2Fsecret.txt',
      'app://renderer/..%5Csecret.txt',
      `app://renderer/${encodeURIComponent(path.join(root, '..', 'secret.txt'))}`,
      'app://renderer-evil/x.html',
      'app://renderer/../renderer-evil/x.html',
      'app://other/index.html',
      'app://renderer/missing.html',
      'app://renderer/assets',
      'app://renderer/%',
    ];
    for (const url of outside) {
      const r = await rendererResponse({ url, method: 'GET' }, root);
      expect(r.status, url).toBe(404);
      expect(await r.text(), url).not.toMatch(/secret|evil/);
    }
    expect((await rendererResponse({ url: RENDERER_INDEX, method: 'POST' }, root)).status).toBe(405);
  });

  it('maps URLs to segments below the folder', () => {
    expect(rendererPath('app://renderer/')).toEqual(['index.html']);
    expect(rendererPath('app://renderer/assets/a%20b.js?v=1#x')).toEqual(['assets', 'a b.js']);
    expect(rendererPath('app://renderer//x')).toBeUndefined();
  });
});

/** A policy's directives, each with its sources. */
const directivesOf = (policy: string) =>
  new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k!, v]),
  );

describe('the Content-Security-Policy', () => {
  it("is the same in index.html's meta tag and holds the directives asked for", async () => {
    const html = await readFile(path.join(repoRoot, 'src-renderer/index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(CONTENT_SECURITY_POLICY);
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k, ...v]) => [k!, v]),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]); // no inline script, no eval
    for (const d of ['object-src', 'base-uri', 'form-action']) expect(directives.get(d), d).toEqual(["'none'"]);
  });

  it("compute.html's is the same in its meta tag and as strict as the app page's, but for WebAssembly", async () => {
    const html = await readFile(path.join(repoRoot, 'src-renderer/compute.html'), 'utf8');
    expect(/<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1]).toBe(COMPUTE_CONTENT_SECURITY_POLICY);
    const page = directivesOf(CONTENT_SECURITY_POLICY);
    const compute = directivesOf(COMPUTE_CONTENT_SECURITY_POLICY);
    // What a directive allows: its own sources, or default-src's where it has none.
    const allowed = (policy: Map<string, string[]>, d: string) => policy.get(d) ?? policy.get('default-src') ?? [];
    const every = new Set([...page.keys(), ...compute.keys(), 'img-src', 'style-src', 'font-src', 'media-src', 'manifest-src']);
    for (const d of every) {
      const extra = allowed(compute, d).filter((source) => source !== "'none'" && !allowed(page, d).includes(source));
      // The one thing the compute page may do that the app page may not: compile its WebAssembly (not eval).
      expect(extra, d).toEqual(d === 'script-src' ? ["'wasm-unsafe-eval'"] : []);
    }
    expect(compute.get('default-src')).toEqual(["'none'"]);
    expect(allowed(compute, 'script-src')).not.toContain("'unsafe-eval'");
    expect(allowed(compute, 'script-src')).not.toContain("'unsafe-inline'");
  });

  it('app:// serves compute.html with its own policy, every other file with the app page policy, and .wasm as WebAssembly', async () => {
    const root = await tempDir('cs-compute-scheme-');
    await mkdir(path.join(root, 'assets'), { recursive: true });
    await writeFile(path.join(root, 'compute.html'), '<!doctype html><title>compute</title>');
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>ok</title>');
    await writeFile(path.join(root, 'assets/tfjs-backend-wasm-x.wasm'), new Uint8Array([0, 97, 115, 109]));
    const get = (url: string) => rendererResponse({ url, method: 'GET' }, root);
    expect((await get('app://renderer/compute.html')).headers.get('content-security-policy')).toBe(`${COMPUTE_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`);
    expect((await get('app://renderer/index.html')).headers.get('content-security-policy')).toBe(`${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`);
    const wasm = await get('app://renderer/assets/tfjs-backend-wasm-x.wasm');
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(wasm.headers.get('content-security-policy')).toBe(`${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`);
  });
});

// main.ts against a stand-in Electron: what it registers, loads and lets through.
const electron = vi.hoisted(() => {
  /** Settled when main.ts loads its page, or fails when it shows its start-up error. */
  const deferred = () => {
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  const state = {
    isPackaged: false,
    loaded: [] as string[],
    schemes: [] as unknown[],
    handlers: new Map<string, (req: Request) => Promise<Response>>(),
    ipc: new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>(),
    onContents: [] as ((e: unknown, contents: unknown) => void)[],
    windows: [] as unknown[],
    /** Chromium switches main.ts set, and whether the app was ready by then. */
    switches: [] as { name: string; value?: string; afterReady: boolean }[],
    readyAsked: false,
    /** What main posted to a window's page: the channel and the ports. */
    posted: [] as { channel: string; ports: unknown[] }[],
    ready: deferred(),
    deferred,
  };
  const on = () => undefined;
  const SCREEN = { x: 0, y: 0, width: 1920, height: 1040 };
  class BrowserWindow {
    readonly webContents = {
      send: on,
      on,
      mainFrame: {} as unknown,
      postMessage: (channel: string, _message: unknown, ports: unknown[] = []) => void state.posted.push({ channel, ports }),
    };
    /** once() listeners, so a test can say the window is ready to show. */
    readonly listeners = new Map<string, (() => void)[]>();
    constructor(readonly options: Record<string, unknown>) {
      state.windows.push(this);
    }
    once = (name: string, l: () => void) => void this.listeners.set(name, [...(this.listeners.get(name) ?? []), l]);
    show = on;
    destroy = on;
    loadURL(url: string) {
      state.loaded.push(url);
      state.ready.resolve();
      return Promise.resolve();
    }
    maximize = on;
    on = on;
    isDestroyed = () => false;
  }
  return {
    state,
    module: {
      app: {
        get isPackaged() {
          return state.isPackaged;
        },
        whenReady: () => {
          state.readyAsked = true;
          return Promise.resolve();
        },
        commandLine: { appendSwitch: (name: string, value?: string) => void state.switches.push({ name, value, afterReady: state.readyAsked }) },
        on: (name: string, l: (e: unknown, c: unknown) => void) => void (name === 'web-contents-created' && state.onContents.push(l)),
        getPath: () => '/nonexistent-user-data',
        getVersion: () => '0.0.0',
        getName: () => 'Classifier Studio',
        requestSingleInstanceLock: () => true,
        quit: on,
      },
      BrowserWindow,
      MessageChannelMain: class {
        readonly port1 = { on, start: on, close: on, postMessage: on };
        readonly port2 = { name: 'port2' };
      },
      dialog: { showErrorBox: (title: string, body: string) => void state.ready.reject(new Error(`${title}: ${body}`)) },
      Menu: { buildFromTemplate: () => ({}), setApplicationMenu: on },
      protocol: {
        registerSchemesAsPrivileged: (s: unknown[]) => void state.schemes.push(...s),
        handle: (scheme: string, h: (req: Request) => Promise<Response>) => void state.handlers.set(scheme, h),
      },
      session: { defaultSession: { setPermissionRequestHandler: on, setPermissionCheckHandler: on } },
      ipcMain: { handle: (channel: string, h: (event: unknown, payload: unknown) => Promise<unknown>) => void state.ipc.set(channel, h) },
      shell: { showItemInFolder: on },
      screen: { getAllDisplays: () => [{ workArea: SCREEN }], getPrimaryDisplay: () => ({ workArea: SCREEN }) },
    },
  };
});
vi.mock('electron', () => electron.module);

/** Loads main.ts afresh as the app would start: packaged or not, with ELECTRON_RENDERER_URL set. */
async function startMain(packaged: boolean, env: Record<string, string> = {}) {
  const s = electron.state;
  Object.assign(s, { isPackaged: packaged, loaded: [], schemes: [], windows: [], onContents: [], switches: [], readyAsked: false, posted: [], ready: s.deferred() });
  s.handlers.clear();
  s.ipc.clear();
  vi.resetModules();
  vi.stubEnv('ELECTRON_RENDERER_URL', DEV);
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  await import('../src-main/electron/main.ts');
  await s.ready.promise;
  return s;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('compute-switches', () => {
  it('asks for WebGPU everywhere and for Vulkan on Linux', () => {
    expect(computeSwitches('linux')).toEqual([['enable-unsafe-webgpu'], ['enable-features', 'Vulkan']]);
    expect(computeSwitches('win32')).toEqual([['enable-unsafe-webgpu']]);
    expect(computeSwitches('darwin')).toEqual([['enable-unsafe-webgpu']]);
  });

  it('takes webgl or webgpu out of CLASSIFIER_BACKEND for the compute window, leaves the Node backends', () => {
    const env: NodeJS.ProcessEnv = { CLASSIFIER_BACKEND: ' WebGPU ' };
    expect(takePageBackend(env)).toBe('webgpu');
    expect(env).toEqual({});
    for (const value of ['wasm', 'tfjs-node', 'auto', undefined]) {
      const other: NodeJS.ProcessEnv = value === undefined ? {} : { CLASSIFIER_BACKEND: value };
      expect(takePageBackend(other), String(value)).toBeUndefined();
      expect(other.CLASSIFIER_BACKEND).toBe(value);
    }
  });
});

describe('main.ts', () => {
  it('packaged: loads app://renderer/index.html whatever ELECTRON_RENDERER_URL says, from a privileged app scheme', async () => {
    const s = await startMain(true);
    expect(s.loaded).toEqual([RENDERER_INDEX]);
    expect(s.schemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect(s.handlers.has('app')).toBe(true);
    // Its handler serves out/renderer beside the main bundle, refusing a way out.
    const escape = await s.handlers.get('app')!(new Request('app://renderer/%2e%2e/main/index.js'));
    expect(escape.status).toBe(404);
  });

  it('sets the WebGPU switches before the app is ready (Vulkan on Linux), and keeps CLASSIFIER_BACKEND=webgl from the Node side', async () => {
    const s = await startMain(true, { CLASSIFIER_BACKEND: 'webgl' });
    const expected = process.platform === 'linux' ? ['enable-unsafe-webgpu', 'enable-features=Vulkan'] : ['enable-unsafe-webgpu'];
    expect(s.switches.map((w) => (w.value ? `${w.name}=${w.value}` : w.name))).toEqual(expected);
    expect(s.switches.every((w) => !w.afterReady)).toBe(true);
    // The service and its worker threads read CLASSIFIER_BACKEND: webgl is not theirs to refuse.
    expect(process.env.CLASSIFIER_BACKEND).toBeUndefined();
  });

  it('opens a hidden, sandboxed compute window with its own preload once the app window shows, and hands its page a port', async () => {
    const s = await startMain(true);
    expect(s.windows).toHaveLength(1);
    const main = s.windows[0] as { listeners: Map<string, (() => void)[]> };
    for (const l of main.listeners.get('ready-to-show') ?? []) l();
    await vi.waitFor(() => expect(s.posted).toHaveLength(1));
    const compute = s.windows[1] as { options: { show: boolean; webPreferences: Record<string, unknown> } };
    expect(compute.options.show).toBe(false);
    expect(compute.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, backgroundThrottling: false });
    expect(path.basename(String(compute.options.webPreferences.preload))).toBe('compute.cjs');
    expect(s.loaded).toEqual([RENDERER_INDEX, 'app://renderer/compute.html']);
    expect(isRendererUrl(s.loaded[1]!)).toBe(true);
    expect(s.posted[0]).toEqual({ channel: 'compute-port', ports: [{ name: 'port2' }] });
  });

  it('in development: loads the dev server', async () => {
    const s = await startMain(false);
    expect(s.loaded).toEqual([DEV]);
  });

  it('refuses navigation and IPC from pages that only look like ours', async () => {
    const s = await startMain(true);
    const window = s.windows[0] as { webContents: { mainFrame: { url: string } } };
    // Navigation: the handler every web contents gets.
    const events = new Map<string, (event: { preventDefault(): void }, url: string) => void>();
    const contents = { setWindowOpenHandler: () => undefined, on: (name: string, l: (event: { preventDefault(): void }, url: string) => void) => void events.set(name, l) };
    for (const l of s.onContents) l({}, contents);
    const navigate = (url: string) => {
      let refused = false;
      events.get('will-navigate')!({ preventDefault: () => void (refused = true) }, url);
      return !refused;
    };
    expect(navigate('app://renderer/index.html#/models')).toBe(true);
    for (const url of ['app://renderer-evil/x.html', 'http://localhost:5173.evil.com/', DEV, 'file:///etc/passwd']) expect(navigate(url), url).toBe(false);
    // IPC: a request from our window's main frame is answered only while it shows our page.
    const ask = async (url: string) => {
      window.webContents.mainFrame = { url } as never;
      const event = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
      return (await s.ipc.get('image:recent')!(event, undefined)) as { ok: boolean; error?: string };
    };
    expect(await ask(RENDERER_INDEX)).toMatchObject({ ok: true });
    for (const url of ['app://renderer-evil/x.html', 'http://localhost:5173.evil.com/', DEV, 'file:///opt/out/renderer/index.html']) {
      expect(await ask(url), url).toEqual({ ok: false, error: 'request from an unknown frame' });
    }
  });
});
