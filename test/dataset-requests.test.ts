// One's own datasets through the window's requests (the same table Electron's IPC uses): made,
// filled with real photos as bytes and from the dialog, paged, thumbnailed once, edited, and
// every request refused outside a managed or chosen folder or with a path for a name.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AddedView, DatasetSummaryView, DatasetView } from '../src-main/contract.ts';
import { answer, Grants, requests, type Host, type Method } from '../src-main/electron/requests.ts';
import { RecentFiles } from '../src-main/service/recents.ts';
import { StudioService } from '../src-main/service/studio.ts';
import { imagenetDevDir, mirrorDir, noNetwork, tempDir } from './helpers/shared.ts';

const tmp = await tempDir('cs-dsreq-');
const chosenImages: string[][] = [];
const host: Host = {
  openImage: async () => null,
  openImages: async () => chosenImages.shift() ?? [],
  openFolder: async () => null,
  saveAs: async () => null,
  reveal: () => undefined,
  version: '0.0.0-test',
  versions: {},
};
const service = new StudioService({ cacheDir: path.join(tmp, 'cache'), mirrorDir, storeDir: path.join(tmp, 'store'), stateDir: tmp, offline: true, fetch: noNetwork });
const grants = new Grants(new RecentFiles(path.join(tmp, 'recent.json')));
const table = requests(service, host, grants);
afterAll(() => service.dispose());

async function call<T>(method: Method, payload?: unknown): Promise<T> {
  const reply = await answer(table[method], payload);
  if (!reply.ok) throw new Error(reply.error);
  return reply.value as T;
}
const labels = (await readFile(path.join(imagenetDevDir, 'labels.csv'), 'utf8'))
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(','));
const dogs = labels.filter(([, i]) => Number(i) >= 151 && Number(i) <= 268).map(([f]) => path.join(imagenetDevDir, f!));
const bytes = async (file: string) => ({ name: path.basename(file), data: new Uint8Array(await readFile(file)) });

describe('own datasets over IPC', () => {
  let ds: DatasetView;

  it('makes a managed dataset under the user-data folder, and refuses a bad or taken name', async () => {
    ds = await call<DatasetView>('createDataset', 'pets');
    expect(ds).toEqual({ dir: path.join(tmp, 'datasets', 'pets'), name: 'pets', managed: true });
    await expect(call('createDataset', 'Pets')).rejects.toThrow(/already exists/);
    await expect(call('createDataset', '../evil')).rejects.toThrow(/cannot name a dataset/);
    expect(await call('listDatasets')).toEqual([ds]);
  });

  it('adds dropped bytes, names a refused file with its reason, and stores a photo once', async () => {
    await call('createClass', { dataset: ds.dir, cls: 'dog' });
    const images = [...(await Promise.all(dogs.slice(0, 5).map(bytes))), { name: 'x.jpg', data: new TextEncoder().encode('not a picture') }];
    const out = await call<AddedView[]>('addBytesToDataset', { dataset: ds.dir, cls: 'dog', images });
    expect(out.map((o) => o.status)).toEqual(['added', 'added', 'added', 'added', 'added', 'refused']);
    expect(out[5]!.error).toMatch(/^x\.jpg: /);
    expect(out[5]!.error).not.toContain(tmp);
    const again = await call<AddedView[]>('addBytesToDataset', { dataset: ds.dir, cls: 'dog', images: images.slice(0, 1) });
    expect(again[0]).toMatchObject({ status: 'present', stored: out[0]!.stored });
  });

  it('adds pictures the user chose in the dialog', async () => {
    chosenImages.push(dogs.slice(5, 8));
    const out = await call<AddedView[]>('addFilesToDataset', { dataset: ds.dir, cls: 'more dogs' });
    expect(out.map((o) => [o.name, o.status])).toEqual(dogs.slice(5, 8).map((f) => [path.basename(f), 'added']));
    expect(await call('addFilesToDataset', { dataset: ds.dir, cls: 'dog' })).toBeNull(); // cancelled
  });

  it('shows classes, counts and the one-button plan, pages names, thumbnails once', async () => {
    const s = await call<DatasetSummaryView>('showDataset', ds.dir);
    expect(s.classes).toEqual([
      { name: 'dog', count: 5 },
      { name: 'more dogs', count: 3 },
    ]);
    expect(s.plan).toMatchObject({ test: 2, train: 5, validation: 1 });
    expect(s.plan.epochs).toBeGreaterThanOrEqual(10);
    const page = await call<{ total: number; files: string[] }>('datasetImages', { dataset: ds.dir, cls: 'dog', offset: 2, limit: 2 });
    expect(page.total).toBe(5);
    expect(page.files).toHaveLength(2);
    const thumbs = await call<{ name: string; url: string }[]>('datasetThumbnails', { dataset: ds.dir, cls: 'dog', names: [...page.files, 'gone.jpg'] });
    expect(thumbs[0]!.url).toMatch(/^data:image\/jpeg;base64,/);
    expect(thumbs[2]).toMatchObject({ name: 'gone.jpg', error: expect.any(String) });
    const cached = await readdir(path.join(tmp, 'cache', 'thumbnails'));
    expect(cached.sort()).toEqual(page.files.map((f) => `${f.slice(0, 16)}-128.jpg`).sort());
    // Made once: a changed cache file is what comes back.
    await writeFile(path.join(tmp, 'cache', 'thumbnails', cached[0]!), Buffer.from('cached'));
    const again = await call<{ name: string; url: string }[]>('datasetThumbnails', { dataset: ds.dir, cls: 'dog', names: page.files });
    expect(again.map((t) => t.url)).toContain(`data:image/jpeg;base64,${Buffer.from('cached').toString('base64')}`);
    const picture = await call<{ name: string; data: Uint8Array }>('datasetImage', { dataset: ds.dir, cls: 'dog', name: page.files[0] });
    expect(picture.data.byteLength).toBeGreaterThan(1000);
  });

  it('moves, removes, renames and deletes', async () => {
    const [name] = (await call<{ files: string[] }>('datasetImages', { dataset: ds.dir, cls: 'more dogs', offset: 0, limit: 10 })).files;
    expect(await call('moveInDataset', { dataset: ds.dir, cls: 'more dogs', name, to: 'dog' })).toBe(`dog/${name}`);
    expect(await call<AddedView[]>('removeFromDataset', { dataset: ds.dir, files: [{ cls: 'dog', name }] })).toMatchObject([{ status: 'removed' }]);
    await call('renameClass', { dataset: ds.dir, cls: 'more dogs', to: 'puppies' });
    expect(await call('deleteClass', { dataset: ds.dir, cls: 'puppies' })).toBe(2);
    expect((await call<DatasetSummaryView>('showDataset', ds.dir)).classes).toEqual([{ name: 'dog', count: 5 }]);
  });

  it('refuses folders the user did not choose and names that are paths', async () => {
    const dir = ds.dir;
    const refused: [Method, unknown][] = [
      ['showDataset', tmp],
      ['showDataset', '/etc'],
      ['showDataset', `${tmp}/datasets/../datasets/pets`],
      ['showDataset', path.join(tmp, 'datasets')],
      ['showDataset', path.join(tmp, 'datasets', 'pets', 'dog')],
      ['datasetImages', { dataset: '/etc', cls: 'x', offset: 0, limit: 1 }],
      ['datasetImage', { dataset: dir, cls: 'dog', name: '../../../../etc/passwd' }],
      ['datasetImage', { dataset: dir, cls: '..', name: 'passwd' }],
      ['datasetImage', { dataset: dir, cls: 'dog', name: '.hidden' }],
      ['datasetThumbnails', { dataset: dir, cls: '../..', names: ['a.jpg'] }],
      ['moveInDataset', { dataset: dir, cls: 'dog', name: 'a.jpg', to: '../../outside' }],
      ['removeFromDataset', { dataset: dir, files: [{ cls: 'dog', name: '/etc/passwd' }] }],
      ['createClass', { dataset: dir, cls: 'a/b' }],
      ['createClass', { dataset: dir, cls: 'train' }],
      ['renameClass', { dataset: dir, cls: 'dog', to: '..' }],
      ['addBytesToDataset', { dataset: '/tmp', cls: 'dog', images: [{ name: 'a.jpg', data: new Uint8Array(4) }] }],
      ['addBytesToDataset', { dataset: dir, cls: 'dog', images: [{ name: 'a.jpg', data: 'bytes' }] }],
      ['startTraining', { runId: 'r', dataset: '/etc', network: 'transfer-mobilenet', optimizer: 'adam', learningRate: 0.001, validationSplit: 0.2 }],
    ];
    for (const [method, payload] of refused) expect(await answer(table[method], payload), `${method} ${JSON.stringify(payload)}`).toMatchObject({ ok: false });
    // A folder the user chose is a dataset the window may edit.
    const chosen = path.join(tmp, 'chosen');
    grants.folders.add(chosen);
    await call('createClass', { dataset: chosen, cls: 'cat' });
    expect((await call<DatasetSummaryView>('showDataset', chosen)).managed).toBe(false);
  });
});
