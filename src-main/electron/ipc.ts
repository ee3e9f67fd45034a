// IPC wiring: every request must come from our own window's main frame, showing our own page;
// requests.ts then checks its payload against the contract and the user's grants.
import { app, dialog, ipcMain, shell, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { channels } from '../contract.ts';
import { IMAGE_EXTENSIONS } from '../service/images.ts';
import type { StudioService } from '../service/studio.ts';
import { answer, requests, type Grants, type Host, type Method } from './requests.ts';

export { Grants } from './requests.ts';

export function registerIpc(service: StudioService, getWindow: () => BrowserWindow | undefined, grants: Grants, isRenderer: (url: string) => boolean): void {
  const fromOurWindow = (event: IpcMainInvokeEvent) => {
    const w = getWindow();
    const frame = event.senderFrame;
    return !!w && !!frame && event.sender === w.webContents && frame === w.webContents.mainFrame && isRenderer(frame.url);
  };
  const host: Host = {
    openImage: async () => {
      const r = await dialog.showOpenDialog(getWindow()!, { properties: ['openFile'], filters: [{ name: 'Images', extensions: IMAGE_EXTENSIONS }] });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    openImages: async () => {
      const r = await dialog.showOpenDialog(getWindow()!, { properties: ['openFile', 'multiSelections'], filters: [{ name: 'Images', extensions: IMAGE_EXTENSIONS }] });
      return r.canceled ? [] : r.filePaths;
    },
    openFolder: async (purpose) => {
      const r = await dialog.showOpenDialog(getWindow()!, {
        title: purpose === 'dataset' ? 'Dataset folder (one sub-folder per class)' : 'Folder of images',
        properties: ['openDirectory'],
      });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    saveAs: async (name, kind) => {
      // A TF.js export is a folder, named like a file in the dialog; the others have their extension.
      const filters =
        kind === undefined ? [{ name: 'CSV', extensions: ['csv'] }] : kind === 'tfjs' ? [] : [{ name: kind === 'keras' ? 'Keras 3 model' : 'Keras 2 model', extensions: [kind] }];
      const r = await dialog.showSaveDialog(getWindow()!, { defaultPath: name, filters });
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    openModel: async (pick, extensions) => {
      const r = await dialog.showOpenDialog(
        getWindow()!,
        pick === 'file' ? { properties: ['openFile'], filters: [{ name: 'Model', extensions }] } : { title: 'Model folder', properties: ['openDirectory'] },
      );
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    reveal: (file) => shell.showItemInFolder(file),
    version: app.getVersion(),
    versions: { electron: process.versions.electron, chrome: process.versions.chrome, node: process.versions.node, v8: process.versions.v8 },
  };
  const table = requests(service, host, grants);
  for (const method of Object.keys(table) as Method[]) {
    ipcMain.handle(channels[method], (event, payload) => (fromOurWindow(event) ? answer(table[method], payload) : { ok: false, error: 'request from an unknown frame' }));
  }
}
