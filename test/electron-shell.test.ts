// The Electron side outside requests.ts, run against a stand-in Electron (there is no Electron
// binary here; test/window-security.test.ts does the same for main.ts): the preload's window.api,
// the menu's grants, where the window opens, which frames IPC answers, where built workers are,
// and a dropped image's bytes as IPC carries them (a structured clone).
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { channels, readError, RecognizeRequest, type Api, type MenuCommand, type StudioEvent } from '../src-main/contract.ts';
import { workerEntry } from '../src-main/core/threads.ts';
import { answer, Grants, requests, type Host } from '../src-main/electron/requests.ts';
import type { RecentFiles } from '../src-main/service/recents.ts';
import type { StudioService } from '../src-main/service/studio.ts';
import { repoRoot, tempDir } from './helpers/shared.ts';
import { logLine } from '../src-main/shared/log-messages.ts';

const electron = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => void;
  const state = {
    /** ipcRenderer.invoke's calls, and what it answers. */
    invoked: [] as { channel: string; payload: unknown }[],
    reply: (channel: string, payload: unknown): unknown => ({ ok: true, value: { channel, payload } }),
    rendererListeners: new Map<string, Set<Listener>>(),
    exposed: new Map<string, unknown>(),
    /** ipcMain.handle's handlers. */
    handlers: new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>(),
    /** What the next open dialog returns, and what it was asked. */
    dialog: { canceled: false, filePaths: [] as string[] },
    dialogOptions: [] as unknown[],
    template: [] as { label?: string; submenu?: { label?: string; click?: () => unknown }[] }[],
    userData: '/nonexistent-user-data',
    displays: [{ x: 0, y: 0, width: 1920, height: 1040 }],
  };
  return {
    state,
    module: {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => void state.exposed.set(key, value) },
      ipcRenderer: {
        invoke: (channel: string, payload: unknown) => {
          state.invoked.push({ channel, payload });
          return Promise.resolve(state.reply(channel, payload));
        },
        on: (channel: string, l: Listener) => {
          const set = state.rendererListeners.get(channel) ?? new Set();
          state.rendererListeners.set(channel, set.add(l));
        },
        removeListener: (channel: string, l: Listener) => void state.rendererListeners.get(channel)?.delete(l),
        once: (channel: string, l: Listener) => {
          const set = state.rendererListeners.get(channel) ?? new Set();
          state.rendererListeners.set(channel, set.add(l));
        },
      },
      ipcMain: { handle: (channel: string, h: (event: unknown, payload: unknown) => Promise<unknown>) => void state.handlers.set(channel, h) },
      app: { getPath: () => state.userData, getVersion: () => '0.0.0', getName: () => 'Classifier Studio' },
      dialog: {
        showOpenDialog: (_w: unknown, options: unknown) => {
          state.dialogOptions.push(options);
          return Promise.resolve(state.dialog);
        },
        showMessageBox: () => Promise.resolve({ response: 0 }),
      },
      Menu: { buildFromTemplate: (t: typeof state.template) => ((state.template = t), {}) },
      shell: { showItemInFolder: () => undefined },
      screen: {
        getAllDisplays: () => state.displays.map((workArea) => ({ workArea })),
        getPrimaryDisplay: () => ({ workArea: state.displays[0] }),
      },
    },
  };
});
vi.mock('electron', () => electron.module);

beforeEach(() => {
  const s = electron.state;
  s.invoked = [];
  s.reply = (channel, payload) => ({ ok: true, value: { channel, payload } });
  s.rendererListeners.clear();
  s.exposed.clear();
  s.handlers.clear();
  s.dialog = { canceled: false, filePaths: [] };
  s.dialogOptions = [];
  s.displays = [{ x: 0, y: 0, width: 1920, height: 1040 }];
});

/** Loads preload.ts afresh and returns the window.api it exposed. */
async function loadPreload(): Promise<Api> {
  vi.resetModules();
  await import('../src-main/electron/preload.ts');
  const api = electron.state.exposed.get('api') as Api | undefined;
  expect(api, 'the preload exposes window.api').toBeDefined();
  return api!;
}

const NO_PAYLOAD = new Set(['appInfo', 'listModels', 'recentFiles', 'openImageDialog', 'storedModels', 'listDatasets', 'dogBreedsPlan', 'computeFigures', 'measureCompute']);
const methods = (Object.keys(channels) as (keyof typeof channels)[]).filter((k) => k !== 'event');

describe("the compute window's preload", () => {
  it("exposes nothing and hands main's port to its page, for the page's own origin only", async () => {
    const posted: unknown[][] = [];
    vi.stubGlobal('location', { origin: 'app://renderer' });
    vi.stubGlobal('postMessage', (...args: unknown[]) => void posted.push(args));
    try {
      vi.resetModules();
      await import('../src-main/electron/compute-preload.ts');
      expect(electron.state.exposed.size).toBe(0);
      const port = { name: 'port2' };
      for (const l of electron.state.rendererListeners.get('compute-port') ?? []) l({ ports: [port] });
      expect(posted).toEqual([['compute-port', 'app://renderer', [port]]]);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('the preload', () => {
  it('exposes one method per channel and onEvent, nothing else', async () => {
    const api = await loadPreload();
    expect(Object.keys(api).sort()).toEqual([...methods, 'onEvent'].sort());
  });

  it("sends every method to its own channel with its payload, and resolves with the reply's value", async () => {
    const api = await loadPreload();
    for (const method of methods) {
      const payload = { probe: method, bytes: new Uint8Array([1, 2, 3]) };
      electron.state.invoked = [];
      const value = await (api[method] as (p: unknown) => Promise<unknown>)(payload);
      const sent = NO_PAYLOAD.has(method) ? undefined : payload;
      expect(electron.state.invoked, method).toEqual([{ channel: channels[method], payload: sent }]);
      expect(value, method).toEqual({ channel: channels[method], payload: sent });
    }
    // No two methods share a channel.
    expect(new Set(methods.map((m) => channels[m])).size).toBe(methods.length);
  });

  it('rejects a failed reply with its message, and its code and values for the renderer to translate', async () => {
    const api = await loadPreload();
    electron.state.reply = () => ({ ok: false, error: 'There is already a model called "x".', code: 'model-exists', params: { name: 'x' } });
    const coded = await api.renameModel({ from: 'a', to: 'x' }).catch((e: unknown) => e);
    expect(coded).toBeInstanceOf(Error);
    expect(readError(coded)).toEqual({ message: 'There is already a model called "x".', code: 'model-exists', params: { name: 'x' } });
    electron.state.reply = () => ({ ok: false, error: 'bad request: model: too long' });
    const plain = await api.listModels().catch((e: unknown) => e);
    expect((plain as Error).message).toBe('bad request: model: too long');
    expect(readError(plain)).toEqual({ message: 'bad request: model: too long', params: {} });
  });

  it("onEvent hands main's events to the listener until unsubscribed", async () => {
    const api = await loadPreload();
    const got: StudioEvent[] = [];
    const off = api.onEvent((e) => got.push(e));
    const listeners = electron.state.rendererListeners.get(channels.event)!;
    expect(listeners.size).toBe(1);
    const e: StudioEvent = { type: 'log', level: 'info', ...logLine('training-stopped'), time: '2024-01-01T00:00:00Z' };
    for (const l of listeners) l({ sender: 'ipc' }, e);
    expect(got).toEqual([e]);
    off();
    expect(listeners.size).toBe(0);
    const other = api.onEvent(() => undefined);
    expect(listeners.size).toBe(1);
    other();
  });
});

describe('the menu', () => {
  const fakeWindow = {} as never;
  const grants = () => ({ files: new Set<string>(), folders: new Set<string>() });

  it('grants an image opened from File before telling the window, which may then ask for it', async () => {
    const { openFromMenu } = await import('../src-main/electron/menu.ts');
    const g = grants();
    const told: { command: MenuCommand; granted: boolean }[] = [];
    const actions = openFromMenu(fakeWindow, g, (command) => told.push({ command, granted: command.command === 'open-image' && g.files.has(command.path) }));
    electron.state.dialog = { canceled: false, filePaths: ['/photos/cat.jpg'] };
    await actions.openImage();
    expect(told).toEqual([{ command: { command: 'open-image', path: '/photos/cat.jpg' }, granted: true }]);
    expect([...g.folders]).toEqual([]);
    expect(electron.state.dialogOptions[0]).toMatchObject({ properties: ['openFile'] });
  });

  it('grants a dataset folder before telling the window; a cancelled dialog grants and tells nothing', async () => {
    const { openFromMenu } = await import('../src-main/electron/menu.ts');
    const g = grants();
    const told: { command: MenuCommand; granted: boolean }[] = [];
    const actions = openFromMenu(fakeWindow, g, (command) => told.push({ command, granted: command.command === 'open-dataset' && g.folders.has(command.path) }));
    electron.state.dialog = { canceled: false, filePaths: ['/data/birds'] };
    await actions.openDataset();
    expect(told).toEqual([{ command: { command: 'open-dataset', path: '/data/birds' }, granted: true }]);
    expect([...g.files]).toEqual([]);

    told.length = 0;
    electron.state.dialog = { canceled: true, filePaths: ['/data/other'] };
    await actions.openDataset();
    await actions.openImage();
    electron.state.dialog = { canceled: false, filePaths: [] };
    await actions.openImage();
    expect(told).toEqual([]);
    expect([...g.folders]).toEqual(['/data/birds']);
    expect([...g.files]).toEqual([]);
  });

  it("File's items call the open actions, View's switch panels", async () => {
    const { buildMenu } = await import('../src-main/electron/menu.ts');
    const calls: string[] = [];
    buildMenu(
      fakeWindow,
      {
        openImage: async () => void calls.push('image'),
        openDataset: async () => void calls.push('dataset'),
        send: (c) => void calls.push(JSON.stringify(c)),
        about: async () => '',
      },
      false,
    );
    const item = (menu: string, label: string) => electron.state.template.find((m) => m.label === menu)!.submenu!.find((i) => i.label === label)!;
    item('&File', 'Open Image…').click!();
    item('&File', 'Open Dataset Folder…').click!();
    item('&View', 'Training').click!();
    expect(calls).toEqual(['image', 'dataset', '{"command":"panel","panel":"training"}']);
  });
});

describe('where the window opens', () => {
  const SCREEN = { x: 0, y: 0, width: 1920, height: 1040 };
  const LEFT = { x: -1280, y: 200, width: 1280, height: 984 };
  const DEFAULTS = { width: 1280, height: 800 };
  const saved = (x: number, y: number, width: number, height: number, maximized = false) => ({ bounds: { x, y, width, height }, maximized });
  const inside = (b: { x: number; y: number; width: number; height: number }, a: typeof SCREEN) =>
    b.x >= a.x && b.y >= a.y && b.x + b.width <= a.x + a.width && b.y + b.height <= a.y + a.height;

  it('keeps a saved place that is on a screen, and whether it was maximized', async () => {
    const { placeWindow } = await import('../src-main/electron/window-state.ts');
    expect(placeWindow(saved(100, 50, 1300, 900, true), [SCREEN], SCREEN, DEFAULTS)).toEqual(saved(100, 50, 1300, 900, true));
    // On the second screen, left of the primary one.
    expect(placeWindow(saved(-1200, 300, 1100, 800), [SCREEN, LEFT], SCREEN, DEFAULTS)).toEqual(saved(-1200, 300, 1100, 800));
  });

  it('brings a window that is off every screen back, centred on the primary one', async () => {
    const { placeWindow } = await import('../src-main/electron/window-state.ts');
    // The left monitor was unplugged.
    const back = placeWindow(saved(-1200, 300, 1100, 800, true), [SCREEN], SCREEN, DEFAULTS);
    expect(back).toEqual(saved(410, 120, 1100, 800, true));
    for (const far of [saved(5000, 5000, 1200, 800), saved(-3000, -3000, 1200, 800), saved(0, 2000, 1200, 800)]) {
      const b = placeWindow(far, [SCREEN], SCREEN, DEFAULTS).bounds;
      expect(inside(b, SCREEN), JSON.stringify(far)).toBe(true);
    }
  });

  it('moves a window hanging over an edge onto its screen, and shrinks one bigger than the screen to fit', async () => {
    const { placeWindow } = await import('../src-main/electron/window-state.ts');
    expect(placeWindow(saved(1800, 900, 1200, 800), [SCREEN], SCREEN, DEFAULTS).bounds).toEqual({ x: 720, y: 240, width: 1200, height: 800 });
    expect(placeWindow(saved(-100, -40, 1200, 800), [SCREEN], SCREEN, DEFAULTS).bounds).toEqual({ x: 0, y: 0, width: 1200, height: 800 });
    expect(placeWindow(saved(-50, -50, 4000, 3000), [SCREEN], SCREEN, DEFAULTS).bounds).toEqual(SCREEN);
    // Mostly on the left screen: fitted to that one.
    expect(placeWindow(saved(-1300, 100, 1400, 1100), [SCREEN, LEFT], SCREEN, DEFAULTS).bounds).toEqual(LEFT);
  });

  it('makes a window no smaller than 1024x700, unless the screen is', async () => {
    const { MIN_WINDOW, placeWindow } = await import('../src-main/electron/window-state.ts');
    expect(MIN_WINDOW).toEqual({ width: 1024, height: 700 });
    expect(placeWindow(saved(100, 100, 300, 200), [SCREEN], SCREEN, DEFAULTS).bounds).toEqual({ x: 100, y: 100, width: 1024, height: 700 });
    const small = { x: 0, y: 0, width: 1000, height: 680 };
    expect(placeWindow(saved(100, 100, 300, 200), [small], small, DEFAULTS).bounds).toEqual(small);
  });

  it('uses the defaults, fitted to the primary screen and centred by Electron, when nothing usable was saved', async () => {
    const { placeWindow } = await import('../src-main/electron/window-state.ts');
    for (const bad of [undefined, null, 'x', {}, { bounds: null }, saved(NaN, 0, 1200, 800), saved(0, 0, 0, 800), { bounds: { x: '1', y: 0, width: 1200, height: 800 } }]) {
      expect(placeWindow(bad, [SCREEN], SCREEN, DEFAULTS), JSON.stringify(bad)).toEqual({ bounds: { x: NaN, y: NaN, ...DEFAULTS }, maximized: false });
    }
    const laptop = { x: 0, y: 0, width: 1200, height: 760 };
    expect(placeWindow(undefined, [laptop], laptop, DEFAULTS).bounds).toEqual({ x: NaN, y: NaN, width: 1200, height: 760 });
  });

  it('loadWindowState reads the saved file against the screens Electron reports', async () => {
    const { loadWindowState } = await import('../src-main/electron/window-state.ts');
    electron.state.userData = await tempDir('cs-window-');
    expect(loadWindowState(DEFAULTS)).toEqual({ bounds: { x: NaN, y: NaN, ...DEFAULTS }, maximized: false });
    await writeFile(path.join(electron.state.userData, 'window-state.json'), JSON.stringify(saved(-1200, 300, 1100, 800, true)));
    electron.state.displays = [SCREEN, LEFT];
    expect(loadWindowState(DEFAULTS)).toEqual(saved(-1200, 300, 1100, 800, true));
    electron.state.displays = [SCREEN];
    expect(loadWindowState(DEFAULTS)).toEqual(saved(410, 120, 1100, 800, true));
    await writeFile(path.join(electron.state.userData, 'window-state.json'), '{not json');
    expect(loadWindowState(DEFAULTS).bounds.width).toBe(DEFAULTS.width);
  });
});

describe('workerEntry', () => {
  it('from the TypeScript sources: the .ts module beside the caller', () => {
    expect(workerEntry('./h5.worker.ts', 'file:///repo/src-main/core/models/h5-reader.ts').href).toBe('file:///repo/src-main/core/models/h5.worker.ts');
    expect(workerEntry('../service/x.worker.ts', 'file:///repo/src-main/core/threads.ts').href).toBe('file:///repo/src-main/service/x.worker.ts');
  });

  it('built: out/main/<name>.worker.js, from the main bundle and from a shared chunk', () => {
    expect(workerEntry('./h5.worker.ts', 'file:///app/out/main/index.js').href).toBe('file:///app/out/main/h5.worker.js');
    expect(workerEntry('./h5.worker.ts', 'file:///app/out/main/chunks/keras-h5-x1.js').href).toBe('file:///app/out/main/h5.worker.js');
    expect(workerEntry('../service/recognition.worker.ts', 'file:///app/out/main/chunks/x.js').href).toBe('file:///app/out/main/recognition.worker.js');
    // A worker calling another from its own bundle.
    expect(workerEntry('./h5.worker.ts', 'file:///app/out/main/recognition.worker.js').href).toBe('file:///app/out/main/h5.worker.js');
    // Packaged in an asar archive, on Windows.
    expect(workerEntry('./h5.worker.ts', 'file:///C:/Program%20Files/Studio/resources/app.asar/out/main/chunks/x.js').href).toBe(
      'file:///C:/Program%20Files/Studio/resources/app.asar/out/main/h5.worker.js',
    );
  });

  it('no two workers share a name, since built they all sit in out/main under their file name', async () => {
    const workers = (await readdir(path.join(repoRoot, 'src-main'), { recursive: true })).filter((f) => f.endsWith('.worker.ts'));
    expect(workers.length).toBeGreaterThan(1);
    const names = workers.map((f) => path.basename(f));
    expect(new Set(names).size, names.join(', ')).toBe(names.length);
    for (const f of workers) {
      const source = pathToFileURL(path.join(repoRoot, 'src-main', f));
      expect(workerEntry(`./${path.basename(f)}` as `${string}.worker.ts`, new URL('x.ts', source).href).href).toBe(source.href);
      expect(workerEntry(`./${path.basename(f)}` as `${string}.worker.ts`, 'file:///app/out/main/chunks/x.js').href).toBe(`file:///app/out/main/${path.basename(f, '.ts')}.js`);
    }
  });
});

/** A service that only answers what the requests below need. */
function fakeService(recognized: unknown[] = []): StudioService {
  return {
    datasets: {},
    recognize: (r: unknown) => {
      recognized.push(r);
      return Promise.resolve({ model: 'mobilenet', top: [], ms: 1, backend: 'cpu' });
    },
  } as unknown as StudioService;
}
const recents = (list: string[] = []) => {
  const r = { all: vi.fn(async () => [...list]), has: async (f: string) => list.includes(f), add: async () => undefined };
  return r as unknown as RecentFiles & { all: ReturnType<typeof vi.fn> };
};
const host: Host = {
  openImage: async () => null,
  openFolder: async () => null,
  saveAs: async () => null,
  reveal: () => undefined,
  version: '0.0.0',
  versions: {},
};

describe('ipc.ts', () => {
  const OURS = 'app://renderer/index.html';
  const setUp = async () => {
    const { registerIpc } = await import('../src-main/electron/ipc.ts');
    const mainFrame = { url: OURS };
    const window = { webContents: { mainFrame } };
    let current: typeof window | undefined = window;
    const r = recents(['/photos/a.jpg']);
    registerIpc(
      fakeService(),
      () => current as never,
      new Grants(r),
      (url) => url === OURS,
    );
    const ask = (event: unknown) => electron.state.handlers.get(channels.recentFiles)!(event, undefined) as Promise<{ ok: boolean; value?: unknown; error?: string }>;
    return { window, mainFrame, recents: r, ask, close: () => void (current = undefined) };
  };
  const refused = { ok: false, error: 'request from an unknown frame' };

  it("handles every method's channel", async () => {
    await setUp();
    expect([...electron.state.handlers.keys()].sort()).toEqual(methods.map((m) => channels[m]).sort());
  });

  it("answers our window's main frame showing our page", async () => {
    const { window, mainFrame, ask } = await setUp();
    expect(await ask({ sender: window.webContents, senderFrame: mainFrame })).toEqual({ ok: true, value: ['/photos/a.jpg'] });
  });

  it('refuses a child frame of our window, even one showing our page', async () => {
    const { window, recents: r, ask } = await setUp();
    const child = { url: OURS, parent: window.webContents.mainFrame };
    expect(await ask({ sender: window.webContents, senderFrame: child })).toEqual(refused);
    expect(r.all).not.toHaveBeenCalled();
  });

  it('refuses another web contents, even one showing our page in its main frame', async () => {
    const { mainFrame, recents: r, ask } = await setUp();
    const other = { mainFrame: { url: OURS } };
    expect(await ask({ sender: other, senderFrame: other.mainFrame })).toEqual(refused);
    // Our frame object, claimed by another sender.
    expect(await ask({ sender: other, senderFrame: mainFrame })).toEqual(refused);
    expect(r.all).not.toHaveBeenCalled();
  });

  it('refuses our main frame once it shows another page, a frame that is gone, and any request before the window exists or after it closed', async () => {
    const { window, mainFrame, recents: r, ask, close } = await setUp();
    mainFrame.url = 'https://evil.example/';
    expect(await ask({ sender: window.webContents, senderFrame: mainFrame })).toEqual(refused);
    mainFrame.url = OURS;
    expect(await ask({ sender: window.webContents, senderFrame: null })).toEqual(refused);
    close();
    expect(await ask({ sender: window.webContents, senderFrame: mainFrame })).toEqual(refused);
    expect(r.all).not.toHaveBeenCalled();
  });
});

describe('a dropped image through IPC', () => {
  /** Every byte value, in a view that starts part-way into its buffer, as a File's bytes may. */
  const photo = () => {
    const whole = new Uint8Array(4096 + 16);
    for (let i = 0; i < whole.length; i++) whole[i] = (i * 7919 + (i >> 8)) & 0xff;
    return whole.subarray(16);
  };

  it('survives the structured clone IPC makes: the schema takes it and the service gets the same bytes', async () => {
    const data = photo();
    const sent = { image: { name: 'cat.jpg', data }, model: 'mobilenet', topK: 5 };
    const cloned = structuredClone(sent);
    expect(cloned.image.data).toBeInstanceOf(Uint8Array);
    expect(cloned.image.data).not.toBe(data);
    expect(RecognizeRequest.safeParse(cloned).success).toBe(true);

    const recognized: { image: { name: string; data: Uint8Array } }[] = [];
    const table = requests(fakeService(recognized), host, new Grants(recents()));
    expect(await answer(table.recognize, cloned)).toMatchObject({ ok: true });
    expect(recognized).toHaveLength(1);
    const arrived = recognized[0]!.image;
    expect(arrived.name).toBe('cat.jpg');
    expect(arrived.data).toBeInstanceOf(Uint8Array);
    expect(arrived.data.byteLength).toBe(data.byteLength);
    expect(Buffer.from(arrived.data).equals(Buffer.from(data))).toBe(true);
  });

  it('a Node Buffer arrives as a Uint8Array and passes too; what is not bytes is refused', async () => {
    const cloned = structuredClone({ image: { name: 'cat.jpg', data: Buffer.from(photo()) }, model: 'mobilenet' });
    expect(RecognizeRequest.safeParse(cloned).success).toBe(true);
    for (const data of [Array.from(photo()), photo().buffer, 'AAEC', new Uint16Array(4)]) {
      expect(RecognizeRequest.safeParse(structuredClone({ image: { name: 'cat.jpg', data }, model: 'mobilenet' })).success).toBe(false);
    }
  });
});
