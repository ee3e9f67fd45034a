// Every request the window can make, sent malformed and hostile payloads through the same table
// Electron's IPC uses: each is refused with a message (or harmlessly answered), nothing throws,
// and no path the user did not choose is read, revealed or trained on.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { answer, Grants, requests, type Host, type Method } from '../src-main/electron/requests.ts';
import { RecentFiles } from '../src-main/service/recents.ts';
import { StudioService } from '../src-main/service/studio.ts';
import { mirrorDir, noNetwork, sharedDir, tempDir } from './helpers/shared.ts';

const tmp = await tempDir('cs-ipc-');
const revealed: string[] = [];
const host: Host = {
  openImage: async () => null,
  openFolder: async () => null,
  saveAs: async () => null,
  reveal: (f) => void revealed.push(f),
  version: '0.0.0-test',
  versions: {},
};
const service = new StudioService({ cacheDir: path.join(tmp, 'cache'), mirrorDir, storeDir: path.join(tmp, 'store'), stateDir: tmp, offline: true, fetch: noNetwork });
const table = requests(service, host, new Grants(new RecentFiles(path.join(tmp, 'recent.json'))));
afterAll(() => service.dispose());

const deep: Record<string, unknown> = {};
let cursor = deep;
for (let i = 0; i < 2000; i++) cursor = (cursor.next = {}) as Record<string, unknown>;

const HOSTILE: unknown[] = [
  null, 42, -1, Number.NaN, true, '', 'x'.repeat(1_000_000), [], [1, 2, 3], {}, deep,
  JSON.parse('{"__proto__": {"polluted": true}}'), { constructor: { prototype: { polluted: true } } },
  '/etc/passwd', '../../../../etc/shadow', 'C:\\Windows\\System32\\config\\SAM', '\u0000', new Uint8Array(16),
  { image: '/etc/passwd', model: 'mobilenet' }, { image: { name: 'x.jpg', data: 'not bytes' }, model: 'mobilenet' },
  { runId: '../../x', dataset: '/etc', network: 'lenet5', epochs: 1, batchSize: 1, optimizer: 'adam', learningRate: 0.1, validationSplit: 0 },
  { runId: 'r1', dataset: sharedDir, network: 'lenet5', epochs: 1, batchSize: 1, optimizer: 'adam', learningRate: 0.1, validationSplit: 0 },
  { jobId: 'j1', folder: '/etc', model: 'mobilenet' }, { from: '../a', to: '../../b' }, { model: '../../etc', thumbnails: 5 },
  { name: '../../../tmp/evil.csv', csv: 'x' },
];

describe('IPC requests under hostile payloads', () => {
  const methods = Object.keys(table) as Method[];

  it.each(methods)('%s refuses what it should and never throws', async (method) => {
    for (const payload of HOSTILE) {
      const reply = await answer(table[method]!, payload);
      expect(typeof reply.ok).toBe('boolean');
      if (!reply.ok) expect(reply.error.length).toBeGreaterThan(0);
    }
  });

  it('never lets a path through that the user did not choose', async () => {
    expect(await answer(table.preview, '/etc/passwd')).toEqual({ ok: false, error: 'That file was not chosen by the user.' });
    expect(await answer(table.recognize, { image: '/etc/passwd', model: 'mobilenet' })).toMatchObject({ ok: false, error: /not chosen by the user/ });
    expect(await answer(table.recognize, { image: path.join(sharedDir, 'images/imagenet-dev/n01440764_tench.JPEG'), model: '../../model' })).toMatchObject({ ok: false });
    expect(await answer(table.startTraining, HOSTILE[21])).toMatchObject({ ok: false, error: /not chosen by the user/ });
    expect(await answer(table.recognizeFolder, { jobId: 'j1', folder: '/etc', model: 'mobilenet' })).toMatchObject({ ok: false, error: /not chosen by the user/ });
    expect(await answer(table.revealModel, '../../etc')).toMatchObject({ ok: false });
    expect(revealed).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
