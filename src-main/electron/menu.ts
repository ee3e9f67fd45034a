// The application menu: File, View (panels, zoom), Help (About with versions and backend).
import { app, dialog, Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import type { MenuCommand, PanelId } from '../contract.ts';
import { IMAGE_EXTENSIONS } from '../service/images.ts';
import type { Grants } from './grants.ts';

export interface MenuActions {
  openImage(): Promise<void>;
  openDataset(): Promise<void>;
  send(command: MenuCommand): void;
  about(): Promise<string>;
}

/**
 * File > Open Image… and Open Dataset Folder…: what the user picks is granted before the window
 * is told, so the request the window makes for it at once is allowed; a cancelled dialog grants
 * and tells nothing.
 */
export function openFromMenu(
  window: BrowserWindow,
  grants: Pick<Grants, 'files' | 'folders'>,
  send: (command: MenuCommand) => void,
): Pick<MenuActions, 'openImage' | 'openDataset'> {
  return {
    openImage: async () => {
      const r = await dialog.showOpenDialog(window, { properties: ['openFile'], filters: [{ name: 'Images', extensions: IMAGE_EXTENSIONS }] });
      const file = r.filePaths[0];
      if (r.canceled || !file) return;
      grants.files.add(file);
      send({ command: 'open-image', path: file });
    },
    openDataset: async () => {
      const r = await dialog.showOpenDialog(window, { title: 'Dataset folder (one sub-folder per class)', properties: ['openDirectory'] });
      const folder = r.filePaths[0];
      if (r.canceled || !folder) return;
      grants.folders.add(folder);
      send({ command: 'open-dataset', path: folder });
    },
  };
}

export function buildMenu(window: BrowserWindow, actions: MenuActions, dev: boolean): Menu {
  const panel = (id: PanelId, label: string, key: string): MenuItemConstructorOptions => ({
    label,
    accelerator: `CmdOrCtrl+${key}`,
    click: () => actions.send({ command: 'panel', panel: id }),
  });
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open Image…', accelerator: 'CmdOrCtrl+O', click: () => void actions.openImage() },
        { label: 'Open Dataset Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: () => void actions.openDataset() },
        { type: 'separator' },
        { role: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        panel('recognize', 'Recognize', '1'),
        panel('folder', 'Recognize a Folder', '2'),
        panel('training', 'Training', '3'),
        panel('models', 'Models', '4'),
        panel('dataset', 'Dataset', '5'),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(dev ? [{ role: 'toggleDevTools' as const }, { role: 'reload' as const }] : []),
      ],
    },
    {
      label: '&Help',
      submenu: [
        {
          label: 'About Classifier Studio',
          click: async () => {
            const detail = await actions.about();
            await dialog.showMessageBox(window, { type: 'info', title: 'About', message: `${app.getName()} ${app.getVersion()}`, detail, buttons: ['OK'] });
          },
        },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}
