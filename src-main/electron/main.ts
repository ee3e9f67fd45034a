// The Electron shell: one secure window, and IPC handlers that validate every request and
// hand it to the same service the CLI uses.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { channels, RecognizeRequest, type AppInfo, type Reply } from '../contract.ts';
import { RecognitionService } from '../service/recognition.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
let window: BrowserWindow | undefined;
let service: RecognitionService;
/** Paths the user picked in a dialog: the only paths the renderer may name. */
const chosenPaths = new Set<string>();

function fromOurWindow(event: IpcMainInvokeEvent): boolean {
  return !!window && event.sender === window.webContents && event.senderFrame === window.webContents.mainFrame;
}

function handle<T>(channel: string, fn: (payload: unknown) => Promise<T>): void {
  ipcMain.handle(channel, async (event, payload): Promise<Reply<T>> => {
    if (!fromOurWindow(event)) return { ok: false, error: 'request from an unknown frame' };
    try {
      return { ok: true, value: await fn(payload) };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  });
}

function registerHandlers(): void {
  handle(channels.appInfo, async (): Promise<AppInfo> => {
    const report = await service.backend();
    return {
      version: app.getVersion(),
      versions: { electron: process.versions.electron, chrome: process.versions.chrome, node: process.versions.node },
      backend: report.backend,
      skipped: report.attempts.filter((a) => !a.ok),
    };
  });
  handle(channels.listModels, async () => service.listModels());
  handle(channels.recognize, async (payload) => {
    const req = RecognizeRequest.parse(payload);
    if (typeof req.image === 'string' && !chosenPaths.has(req.image)) throw new Error('That file was not chosen by the user.');
    return service.recognize(req);
  });
  handle(channels.openImageDialog, async () => {
    const result = await dialog.showOpenDialog(window!, {
      properties: ['openFile'],
      filters: [{ name: 'Images', extensions: ['jpg', 'jpeg', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif'] }],
    });
    const file = result.canceled ? null : (result.filePaths[0] ?? null);
    if (file) chosenPaths.add(file);
    return file;
  });
}

function createWindow(): void {
  window = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'Classifier Studio',
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  if (process.env.ELECTRON_RENDERER_URL) void window.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void window.loadFile(path.join(here, '../renderer/index.html'));
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => window?.focus());
  void app.whenReady().then(() => {
    service = new RecognitionService({ cacheDir: path.join(app.getPath('userData'), 'models'), log: console.log });
    registerHandlers();
    createWindow();
  });
  app.on('window-all-closed', () => app.quit());
}
