// The Electron shell: one secure window, a menu, and IPC handlers that validate every request
// and hand it to the same service the e2e tests drive.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, Menu, protocol, session } from 'electron';
import { channels, type MenuCommand, type StudioEvent } from '../contract.ts';
import { RecentFiles } from '../service/recents.ts';
import { StudioService } from '../service/studio.ts';
import { threadRecognizer } from '../service/recognizer-thread.ts';
import { resolveStorage } from '../core/paths.ts';
import { Grants, registerIpc } from './ipc.ts';
import { parseBackend } from '../core/backend.ts';
import { describeChoice, type Choice, type ComputeBackend } from '../core/compute/choose.ts';
import { PageRoute, type PageUse } from '../core/compute/page-route.ts';
import { PageTraining } from '../core/compute/page-training.ts';
import type { BackendProbe } from '../core/compute/port.ts';
import { computeSwitches, takePageBackend } from './compute-switches.ts';
import { openComputeWindow, type ComputeWindow } from './compute-window.ts';
import { buildMenu, openFromMenu } from './menu.ts';
import { rendererResponse } from './renderer-files.ts';
import { allowCheck, allowRequest } from './permissions.ts';
import { devServerUrl, isRendererUrl, RENDERER_INDEX, RENDERER_SCHEME } from './renderer-origin.ts';
import { loadWindowState, MIN_WINDOW, trackWindowState } from './window-state.ts';
import { redactLogEvent } from './redact-paths.ts';
import { logFailure, logLine } from '../shared/log-messages.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** electron-vite's dev server in development; a packaged app shows only its own files. */
const devUrl = devServerUrl(process.env.ELECTRON_RENDERER_URL, app.isPackaged);
const rendererDir = path.join(here, '../renderer');
/** Where our pages come from; anything else is refused navigation and IPC. */
const isRenderer = (url: string) => isRendererUrl(url, devUrl);
// Before ready, or Chromium ignores them: WebGPU for the compute window. CLASSIFIER_BACKEND=webgl
// or webgpu is the compute window's, taken before the service and its threads read the variable.
for (const [name, value] of computeSwitches(process.platform)) app.commandLine.appendSwitch(name, value);
const pageBackend = takePageBackend(process.env);

let window: BrowserWindow | undefined;
let compute: ComputeWindow | undefined;
/** Recognition through the compute window while webgl or webgpu computes (core/compute/page-route.ts). */
let route: PageRoute | undefined;

function send(e: StudioEvent): void {
  if (window && !window.isDestroyed()) window.webContents.send(channels.event, redactLogEvent(e));
}

function createWindow(): BrowserWindow {
  const state = loadWindowState({ width: 1280, height: 800 });
  const w = new BrowserWindow({
    ...(Number.isFinite(state.bounds.x) ? state.bounds : { width: state.bounds.width, height: state.bounds.height }),
    minWidth: MIN_WINDOW.width,
    minHeight: MIN_WINDOW.height,
    title: 'Classifier Studio',
    show: false,
    backgroundColor: '#f5f6f8',
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (state.maximized) w.maximize();
  trackWindowState(w);
  w.once('ready-to-show', () => w.show());
  void w.loadURL(devUrl ?? RENDERER_INDEX);
  return w;
}

/** Secure defaults for every web contents, including any the app never meant to create. */
function lockDown(): void {
  app.on('web-contents-created', (_, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event, url) => {
      if (!isRenderer(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  // Only the camera, for the webcam in the Dataset panel (permissions.ts); nothing else.
  session.defaultSession.setPermissionRequestHandler((wc, permission, callback, details) =>
    callback(allowRequest(permission, details.requestingUrl ?? wc.getURL(), isRenderer, 'mediaTypes' in details ? details.mediaTypes : undefined)),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission, origin, details) => allowCheck(permission, origin, isRenderer, details.mediaType));
}

async function main(): Promise<void> {
  // A standard, secure scheme (origin, ES modules, storage) must be declared before ready.
  protocol.registerSchemesAsPrivileged([{ scheme: RENDERER_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
  await app.whenReady();
  protocol.handle(RENDERER_SCHEME, (request) => rendererResponse(request, rendererDir));
  lockDown();
  const userData = app.getPath('userData');
  const storage = { cacheDir: process.env.CLASSIFIER_CACHE ?? path.join(userData, 'models'), mirrorDir: process.env.CLASSIFIER_MIRROR };
  // Recognition in a worker thread: loading and running a model never blocks the window.
  const recognizer = threadRecognizer(resolveStorage(storage), {
    onDownload: (p) => send({ type: 'download', file: p.file, received: p.received, total: p.total }),
    log: (line) => service.log(line),
    // Until the compute window is up, and whenever Node's backend is the choice, Node scores.
    page: (call) => route?.score(call) ?? Promise.resolve({ routed: false }),
    // A model the thread dropped (retrained, renamed, deleted, loaded again) leaves the page's GPU.
    pageForget: (model) => route?.forget(model),
  });
  const service = new StudioService({ ...storage, stateDir: userData, recognizer, ...(forcedBackend() ? { computeBackend: forcedBackend() } : {}) });
  const grants = new Grants(new RecentFiles(path.join(userData, 'recent-images.json')), new RecentFiles(path.join(userData, 'dataset-folders.json'), 20));
  await grants.restore(); // dataset folders chosen before: still in the Dataset panel's list
  service.on(send);
  registerIpc(service, () => window, grants, isRenderer);
  window = createWindow();
  // The hidden compute window once the app's window is up, so it never delays the first paint.
  window.once('ready-to-show', () => void startCompute(service));
  // A hidden window would keep the app running after its only visible one is closed.
  window.on('closed', () => compute?.window.destroy());

  const command = (c: MenuCommand) => send({ type: 'menu', ...c });
  const menu = buildMenu(
    window,
    {
      send: command,
      ...openFromMenu(window, grants, command),
      about: async () => {
        const report = await service.backend();
        const v = process.versions;
        return [
          `Electron ${v.electron}`,
          `Chromium ${v.chrome}`,
          `Node.js ${v.node}`,
          `V8 ${v.v8}`,
          `Compute backend: ${report.backend}`,
          ...report.attempts.filter((a) => !a.ok).map((a) => `  skipped ${a.backend}: ${a.reason ?? ''}`),
          `Trained models: ${service.storage.storeDir}`,
        ].join('\n');
      },
    },
    !!devUrl,
  );
  Menu.setApplicationMenu(menu);

  app.on('before-quit', () => service.dispose());
}

/** A backend asked for by name: the compute window's, or one of Node's (CLASSIFIER_BACKEND). */
function forcedBackend(): ComputeBackend | undefined {
  if (pageBackend) return pageBackend;
  const name = process.env.CLASSIFIER_BACKEND;
  try {
    return name && name !== 'auto' ? parseBackend(name) : undefined;
  } catch {
    return undefined;
  }
}

/** The page's GPU backend that computes: the forced one, else the measured choice when it is the page's. */
function pageUse(choice: Choice | undefined, probes: BackendProbe[]): PageUse | undefined {
  const backend = pageBackend ?? choice?.backend;
  if (backend !== 'webgl' && backend !== 'webgpu') return undefined;
  const adapter = (choice?.backend === backend ? choice.adapter : undefined) ?? probes.find((p) => p.backend === backend)?.adapter;
  return { backend, ...(adapter ? { adapter } : {}) };
}

/** Opens the compute window and says in the log what it can compute on; a failure costs only it. */
async function startCompute(service: StudioService): Promise<void> {
  try {
    compute = await openComputeWindow(path.join(here, '../preload'), devUrl);
    const probes = await compute.client.probe();
    // The devices are named as the system names them (adapters), in no one language.
    const devices = probes.map((p) => (p.available ? `${p.backend}: ${p.adapter?.name ?? 'CPU'}` : `${p.backend} ✗ (${p.detail ?? ''})`)).join('; ');
    service.log(logLine('compute-probed', { devices }));
    if (pageBackend) {
      await compute.client.use(pageBackend);
      service.log(logLine('compute-forced', { backend: pageBackend }));
    }
    // The first start measures every backend (later starts read the kept figures).
    service.compute?.attachPage(compute.client);
    const figures = await service.compute?.atStart();
    route = new PageRoute(compute.client, () => pageUse(service.compute?.current(), probes));
    service.computeOnPage(() => route?.use());
    // Training's batches by the same choice: a run started while the page computes goes there.
    service.trainOnPage(new PageTraining(compute.client, () => pageUse(service.compute?.current(), probes)));
    compute.window.on('closed', () => {
      route = undefined;
      service.trainOnPage(undefined);
    });
    // After the route: the window reads the badge again when it sees this line.
    if (figures) service.log(logLine('compute-chosen', { measuredAt: figures.measuredAt, choice: describeChoice(figures.choice) }));
  } catch (err) {
    service.log(logFailure('compute-failed', {}, err), 'error');
  }
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  main().catch((err: unknown) => {
    dialog.showErrorBox('Classifier Studio could not start', err instanceof Error ? (err.stack ?? err.message) : String(err));
    app.quit();
  });
}
