// IPC handlers: every request comes from our own window's main frame, is checked against the
// contract's schema, and may name only paths the user picked in a dialog.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { app, dialog, ipcMain, shell, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { z } from 'zod';
import {
  BUILT_IN_DATASETS, channels, EvaluationRequest, FolderPurpose, FolderRequest, JobId, ModelName, RecognizeRequest, RenameRequest,
  SaveCsvRequest, TrainRequest, type AppInfo, type Reply,
} from '../contract.ts';
import { IMAGE_EXTENSIONS } from '../service/images.ts';
import type { RecentFiles } from '../service/recents.ts';
import type { StudioService } from '../service/studio.ts';

/** Paths the user chose this session; recent images count too (they were chosen before). */
export class Grants {
  readonly files = new Set<string>();
  readonly folders = new Set<string>();
  constructor(readonly recents: RecentFiles) {}

  async file(p: string): Promise<boolean> {
    return this.files.has(p) || (await this.recents.has(p));
  }
}

const isPath = (s: string) => s.includes('/') || s.includes('\\');

export function registerIpc(service: StudioService, getWindow: () => BrowserWindow | undefined, grants: Grants, rendererUrl: () => string): void {
  const fromOurWindow = (event: IpcMainInvokeEvent) => {
    const w = getWindow();
    return !!w && event.sender === w.webContents && event.senderFrame === w.webContents.mainFrame && event.senderFrame.url.startsWith(rendererUrl());
  };

  function handle<S extends z.ZodType, T>(channel: string, schema: S, fn: (payload: z.infer<S>) => Promise<T> | T): void {
    ipcMain.handle(channel, async (event, payload): Promise<Reply<T>> => {
      if (!fromOurWindow(event)) return { ok: false, error: 'request from an unknown frame' };
      const parsed = schema.safeParse(payload);
      if (!parsed.success) return { ok: false, error: `bad request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
      try {
        return { ok: true, value: await fn(parsed.data) };
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    });
  }

  const checkModel = (model: string) => {
    if (isPath(model)) throw new Error('Models are chosen by name, not by path.');
  };
  const none = z.undefined();

  handle(channels.appInfo, none, async (): Promise<AppInfo> => {
    const report = await service.backend();
    return {
      version: app.getVersion(),
      versions: { electron: process.versions.electron, chrome: process.versions.chrome, node: process.versions.node, v8: process.versions.v8 },
      backend: report.backend,
      skipped: report.attempts.filter((a) => !a.ok),
      storeDir: service.storage.storeDir,
    };
  });
  handle(channels.listModels, none, () => service.listModels());
  handle(channels.recognize, RecognizeRequest, async (req) => {
    checkModel(req.model);
    if (typeof req.image === 'string') {
      if (!(await grants.file(req.image))) throw new Error('That file was not chosen by the user.');
      await grants.recents.add(req.image);
    }
    return service.recognize(req);
  });
  handle(channels.preview, z.string().min(1).max(4096), async (file) => {
    if (!(await grants.file(file))) throw new Error('That file was not chosen by the user.');
    return service.preview(file);
  });
  handle(channels.recentFiles, none, () => grants.recents.all());
  handle(channels.openImageDialog, none, async () => {
    const result = await dialog.showOpenDialog(getWindow()!, { properties: ['openFile'], filters: [{ name: 'Images', extensions: IMAGE_EXTENSIONS }] });
    const file = result.canceled ? null : (result.filePaths[0] ?? null);
    if (file) grants.files.add(file);
    return file;
  });
  handle(channels.openFolderDialog, FolderPurpose, async (purpose) => {
    const result = await dialog.showOpenDialog(getWindow()!, {
      title: purpose === 'dataset' ? 'Dataset folder (one sub-folder per class)' : 'Folder of images',
      properties: ['openDirectory'],
    });
    const folder = result.canceled ? null : (result.filePaths[0] ?? null);
    if (folder) grants.folders.add(folder);
    return folder;
  });
  handle(channels.recognizeFolder, FolderRequest, (req) => {
    checkModel(req.model);
    if (!grants.folders.has(req.folder)) throw new Error('That folder was not chosen by the user.');
    return service.recognizeFolder(req);
  });
  handle(channels.cancelFolder, JobId, (id) => service.cancelFolder(id));
  handle(channels.saveCsv, SaveCsvRequest, async ({ name, csv }) => {
    const result = await dialog.showSaveDialog(getWindow()!, { defaultPath: path.basename(name), filters: [{ name: 'CSV', extensions: ['csv'] }] });
    if (result.canceled || !result.filePath) return null;
    await writeFile(result.filePath, csv, 'utf8');
    return result.filePath;
  });
  handle(channels.startTraining, TrainRequest, (req) => {
    const builtIn = (BUILT_IN_DATASETS as readonly string[]).includes(req.dataset);
    if (!builtIn && !grants.folders.has(req.dataset)) throw new Error('That dataset folder was not chosen by the user.');
    service.startTraining(req);
  });
  handle(channels.cancelTraining, JobId, (id) => service.cancelTraining(id));
  handle(channels.storedModels, none, () => service.storedModels());
  handle(channels.renameModel, RenameRequest, ({ from, to }) => service.renameModel(from, to));
  handle(channels.deleteModel, ModelName, (name) => service.deleteModel(name));
  handle(channels.revealModel, ModelName, async (name) => {
    await service.store.get(name);
    shell.showItemInFolder(path.join(service.modelFolder(name), 'model.json'));
  });
  handle(channels.evaluation, EvaluationRequest, (req) => service.evaluation(req.model, req.thumbnails));
}
