// A dataset folder the user opened stays in the Dataset panel's list after a restart: the folder
// is remembered in the state folder (like recent images) and granted again on start; one never
// chosen is neither listed nor opened, and one gone from disk is left out. Also the camera is
// the one permission the window gets (permissions.ts).
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatasetView } from '../src-main/contract.ts';
import { allowCheck, allowRequest } from '../src-main/electron/permissions.ts';
import { isRendererUrl } from '../src-main/electron/renderer-origin.ts';
import { answer, Grants, requests, type Host, type Method } from '../src-main/electron/requests.ts';
import { RecentFiles } from '../src-main/service/recents.ts';
import { StudioService } from '../src-main/service/studio.ts';
import { mirrorDir, noNetwork, tempDir } from './helpers/shared.ts';

const tmp = await tempDir('cs-dsfolders-');
const folders: (string | null)[] = [];
const host: Host = {
  openImage: async () => null,
  openFolder: async () => folders.shift() ?? null,
  saveAs: async () => null,
  reveal: () => undefined,
  version: '0.0.0-test',
  versions: {},
};
const service = new StudioService({ cacheDir: path.join(tmp, 'cache'), mirrorDir, storeDir: path.join(tmp, 'store'), stateDir: tmp, offline: true, fetch: noNetwork });
afterAll(() => service.dispose());

/** One start of the app: grants read back from the state folder, as main.ts does. */
async function start() {
  const grants = new Grants(new RecentFiles(path.join(tmp, 'recent-images.json')), new RecentFiles(path.join(tmp, 'dataset-folders.json'), 20));
  await grants.restore();
  const table = requests(service, host, grants);
  return async <T>(method: Method, payload?: unknown): Promise<T> => {
    const reply = await answer(table[method], payload);
    if (!reply.ok) throw new Error(reply.error);
    return reply.value as T;
  };
}

describe('dataset folders the user chose', () => {
  it('are listed again after a restart, and open without a new dialog', async () => {
    const mine = path.join(tmp, 'my photos');
    const other = path.join(tmp, 'never chosen');
    const gone = path.join(tmp, 'gone');
    for (const d of [mine, other, gone]) await mkdir(path.join(d, 'dog'), { recursive: true });
    let call = await start();
    const managed = await call<DatasetView>('createDataset', 'pets');
    for (const d of [mine, gone]) {
      folders.push(d);
      expect(await call('openFolderDialog', 'dataset')).toBe(d);
      await call('showDataset', d);
    }
    // Chosen in the dialog but never opened as a dataset (say, for Recognize's folder): not listed.
    folders.push(other);
    await call('openFolderDialog', 'images');
    const listed = [managed, { dir: gone, name: 'gone', managed: false }, { dir: mine, name: 'my photos', managed: false }];
    expect(await call('listDatasets')).toEqual(listed);

    await rm(gone, { recursive: true });
    call = await start();
    expect(await call('listDatasets')).toEqual([managed, { dir: mine, name: 'my photos', managed: false }]);
    expect((await call<{ classes: unknown[] }>('showDataset', mine)).classes).toEqual([{ name: 'dog', count: 0 }]);
    await expect(call('showDataset', other)).rejects.toThrow(/not chosen by the user/);
  });
});

describe("the window's permissions", () => {
  const ours = (url: string) => isRendererUrl(url);
  it('allow the camera to our own pages, and nothing else', () => {
    expect(allowRequest('media', 'app://renderer/index.html', ours, ['video'])).toBe(true);
    expect(allowCheck('media', 'app://renderer', ours, 'video')).toBe(true);
    expect(allowRequest('media', 'app://renderer/index.html', ours, ['video', 'audio'])).toBe(false);
    expect(allowRequest('media', 'app://renderer/index.html', ours, [])).toBe(false);
    expect(allowRequest('media', 'app://renderer-evil/index.html', ours, ['video'])).toBe(false);
    expect(allowRequest('media', 'https://example.com/', ours, ['video'])).toBe(false);
    expect(allowCheck('media', 'app://renderer', ours, 'audio')).toBe(false);
    for (const p of ['geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      expect(allowRequest(p, 'app://renderer/index.html', ours, ['video'])).toBe(false);
      expect(allowCheck(p, 'app://renderer', ours, 'video')).toBe(false);
    }
  });
});
