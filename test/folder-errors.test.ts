// Recognize a folder: a file that does not decode is answered with the same coded error as
// Recognize gives for it alone (`image-<kind>`, src-main/shared/errors.ts), through the request
// table the window's IPC uses, so the folder's results table says it in the user's language
// (test/components/folder-errors.test.ts shows it). Real photos, real MobileNet from ../shared.
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FolderReply } from '../src-main/contract.ts';
import { answer, Grants, requests, type Host } from '../src-main/electron/requests.ts';
import { RecentFiles } from '../src-main/service/recents.ts';
import { StudioService } from '../src-main/service/studio.ts';
import { hasShared, imagenetDevDir, mirrorDir, noNetwork, tempDir } from './helpers/shared.ts';

if (!hasShared) console.warn('folder-errors tests skipped: ../shared (MobileNet, ImageNet photos) is absent.');

describe.skipIf(!hasShared)('a folder with pictures that do not decode', async () => {
  const tmp = await tempDir('cs-folder-err-');
  const service = new StudioService({ cacheDir: path.join(tmp, 'cache'), mirrorDir, storeDir: path.join(tmp, 'store'), stateDir: tmp, offline: true, fetch: noNetwork });
  const host = { openImage: async () => null, openFolder: async () => null, saveAs: async () => null, reveal: () => undefined, version: '0', versions: {} } as unknown as Host;
  const grants = new Grants(new RecentFiles(path.join(tmp, 'recent.json')));
  const table = requests(service, host, grants);
  afterAll(() => service.dispose());

  it('answers each with its image-* code and the file by name, the good photo with its classes', async () => {
    const folder = path.join(tmp, 'photos');
    await mkdir(folder);
    const tench = path.join(imagenetDevDir, 'n01440764_tench.JPEG');
    await copyFile(tench, path.join(folder, 'a-tench.jpg'));
    await writeFile(path.join(folder, 'b-notes.jpg'), 'shopping list: milk, eggs\n');
    const bytes = await readFile(tench);
    await writeFile(path.join(folder, 'c-cut.jpg'), bytes.subarray(0, Math.floor(bytes.length / 3)));
    // Links the folder does not follow: out of it, and to nothing.
    await symlink(tench, path.join(folder, 'd-out.jpg'));
    await symlink(path.join(folder, 'nowhere.jpg'), path.join(folder, 'e-broken.jpg'));
    grants.folders.add(folder);
    const reply = await answer(table.recognizeFolder, { jobId: 'j', folder, model: 'mobilenet', topK: 3 });
    expect(reply.ok).toBe(true);
    const all = (reply as { ok: true; value: FolderReply }).value.items;
    // The entries left out come first, each with its entry-* code and the file by name only.
    expect(all.slice(0, 2).map((i) => [i.name, i.coded])).toEqual([
      ['d-out.jpg', { code: 'entry-link-outside', params: { file: 'd-out.jpg' } }],
      ['e-broken.jpg', { code: 'entry-broken-link', params: { file: 'e-broken.jpg' } }],
    ]);
    const items = all.slice(2);
    expect(items.map((i) => i.name)).toEqual(['a-tench.jpg', 'b-notes.jpg', 'c-cut.jpg']);
    expect(items[0]!.top![0]!.label).toMatch(/tench/);
    expect(items[0]!.coded).toBeUndefined();
    expect(items[1]).toMatchObject({ error: expect.stringContaining('b-notes.jpg'), coded: { code: 'image-not-an-image', params: { file: 'b-notes.jpg' } } });
    expect(items[2]).toMatchObject({ coded: { code: 'image-truncated', params: { file: 'c-cut.jpg' } } });
    // The same code as Recognize gives the file alone.
    grants.files.add(path.join(folder, 'b-notes.jpg'));
    const alone = await answer(table.recognize, { image: path.join(folder, 'b-notes.jpg'), model: 'mobilenet' });
    expect(alone).toMatchObject({ ok: false, code: 'image-not-an-image' });
  }, 120_000);
});
