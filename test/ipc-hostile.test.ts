// Every request the window can make, sent malformed and hostile payloads through the same table
// Electron's IPC uses: each is refused with a message (or harmlessly answered), nothing throws,
// and no path the user did not choose is read, revealed or trained on.
import { mkdir, writeFile } from 'node:fs/promises';
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
const grants = new Grants(new RecentFiles(path.join(tmp, 'recent.json')));
const table = requests(service, host, grants);
afterAll(() => service.dispose());

const deep: Record<string, unknown> = {};
let cursor = deep;
for (let i = 0; i < 2000; i++) cursor = (cursor.next = {}) as Record<string, unknown>;

// Payloads shaped like a request, and paths: the ones some schema lets through.
const SYSTEM_PATHS = ['/etc/passwd', '../../../../etc/shadow', 'C:\\Windows\\System32\\config\\SAM', '\u0000'];
const IMAGE_NOT_CHOSEN = { image: '/etc/passwd', model: 'mobilenet' };
const TRAIN_NOT_CHOSEN = { runId: 'r1', dataset: sharedDir, network: 'lenet5', epochs: 1, batchSize: 1, optimizer: 'adam', learningRate: 0.1, validationSplit: 0 };
const FOLDER_NOT_CHOSEN = { jobId: 'j1', folder: '/etc', model: 'mobilenet' };
const RENAME_OUT = { from: '../a', to: '../../b' };
const EVALUATION_OUT = { model: '../../etc', thumbnails: 5 };
const CSV_OUT = { name: '../../../tmp/evil.csv', csv: 'x' };

const HOSTILE: unknown[] = [
  null,
  42,
  -1,
  Number.NaN,
  true,
  '',
  'x'.repeat(1_000_000),
  [],
  [1, 2, 3],
  {},
  deep,
  JSON.parse('{"__proto__": {"polluted": true}}'),
  { constructor: { prototype: { polluted: true } } },
  ...SYSTEM_PATHS,
  new Uint8Array(16),
  IMAGE_NOT_CHOSEN,
  { image: { name: 'x.jpg', data: 'not bytes' }, model: 'mobilenet' },
  { runId: '../../x', dataset: '/etc', network: 'lenet5', epochs: 1, batchSize: 1, optimizer: 'adam', learningRate: 0.1, validationSplit: 0 },
  TRAIN_NOT_CHOSEN,
  FOLDER_NOT_CHOSEN,
  RENAME_OUT,
  EVALUATION_OUT,
  CSV_OUT,
];

const notFile = /^That file was not chosen by the user\.$/;
const notDatasetFolder = /^That dataset folder was not chosen by the user\.$/;
const notModelName = /^".*" cannot be a model name: letters, digits/;
const notDatasetName = /^".*" cannot name a dataset: letters, digits/;
const paths = (expected: RegExp) => new Map<unknown, RegExp | 'ok'>(SYSTEM_PATHS.map((p) => [p, expected]));

/**
 * The hostile payloads that get past a method's schema, and what each is answered: a refusal of
 * its own, or (the user cancelling the save dialog) a harmless reply. Every other payload is a
 * "bad request" to every method.
 */
const PAST_SCHEMA: Partial<Record<Method, Map<unknown, RegExp | 'ok'>>> = {
  recognize: new Map([[IMAGE_NOT_CHOSEN, notFile]]),
  explain: new Map([[IMAGE_NOT_CHOSEN, notFile]]),
  featureMaps: new Map([[IMAGE_NOT_CHOSEN, notFile]]),
  modelSummary: paths(/^Models are chosen by name, not by path\.$/),
  preview: paths(notFile),
  recognizeFolder: new Map([[FOLDER_NOT_CHOSEN, /^That folder was not chosen by the user\.$/]]),
  startTraining: new Map([[TRAIN_NOT_CHOSEN, notDatasetFolder]]),
  augmentPreview: new Map([[TRAIN_NOT_CHOSEN, notDatasetFolder]]),
  renameModel: new Map([[RENAME_OUT, notModelName]]),
  deleteModel: paths(notModelName),
  revealModel: paths(notModelName),
  evaluation: new Map([[EVALUATION_OUT, notModelName]]),
  createDataset: paths(notDatasetName),
  showDataset: paths(notDatasetFolder),
  // The host's save dialog (cancelled here) is where the user picks the file; the name is only its suggestion.
  saveCsv: new Map([[CSV_OUT, 'ok']]),
};

describe('IPC requests under hostile payloads', () => {
  it('refuses a model name the store cannot take coded (the window words it), an import before any dialog opens', async () => {
    expect(await answer(table.importModel!, { pick: 'file', name: 'con' })).toMatchObject({ ok: false, code: 'model-name-invalid', params: { problemCode: 'device' } });
    expect(await answer(table.renameModel!, { from: 'x', to: 'y.' })).toMatchObject({ ok: false, code: 'model-name-invalid', params: { problemCode: 'trailing-dot' } });
  });

  const methods = Object.keys(table) as Method[];

  it('knows every method of the table', () => {
    for (const m of Object.keys(PAST_SCHEMA)) expect(methods).toContain(m);
  });

  it.each(methods)('%s refuses each payload with its reason, and never throws', async (method) => {
    for (const [i, payload] of HOSTILE.entries()) {
      const reply = await answer(table[method]!, payload);
      const expected = PAST_SCHEMA[method]?.get(payload) ?? /^bad request: \S.*: \S/;
      const what = `${method} with payload #${i}`;
      if (expected === 'ok') {
        expect(reply, what).toEqual({ ok: true, value: null });
        continue;
      }
      expect(reply.ok, what).toBe(false);
      if (reply.ok) continue;
      expect(reply.error, what).toMatch(expected);
      // Coded, so the window says it in the user's language (a bad request lists its fields' issues).
      expect(reply.code, what).toBeDefined();
      if (reply.code === 'bad-request') expect(JSON.parse(String(reply.params?.issueList)), what).not.toEqual([]);
      // A refusal neither echoes a huge payload nor names a private path of main's.
      expect(reply.error.length, what).toBeLessThan(2000);
      expect(JSON.stringify(reply.params ?? {}).length, what).toBeLessThan(4000);
      expect(reply.error, what).not.toContain(tmp);
    }
  });

  it('never lets a path through that the user did not choose', async () => {
    expect(await answer(table.preview, '/etc/passwd')).toEqual({ ok: false, error: 'That file was not chosen by the user.', code: 'file-not-chosen', params: {} });
    expect(await answer(table.recognize, { image: '/etc/passwd', model: 'mobilenet' })).toMatchObject({ ok: false, error: /not chosen by the user/ });
    expect(await answer(table.recognize, { image: path.join(sharedDir, 'images/imagenet-dev/n01440764_tench.JPEG'), model: '../../model' })).toMatchObject({ ok: false });
    expect(await answer(table.startTraining, TRAIN_NOT_CHOSEN)).toMatchObject({ ok: false, error: /not chosen by the user/ });
    expect(await answer(table.recognizeFolder, { jobId: 'j1', folder: '/etc', model: 'mobilenet' })).toMatchObject({ ok: false, error: /not chosen by the user/ });
    expect(await answer(table.revealModel, '../../etc')).toMatchObject({ ok: false });
    expect(revealed).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('models the window may ask for', () => {
  const tench = path.join(sharedDir, 'images/imagenet-dev/n01440764_tench.JPEG');
  grants.files.add(tench);
  /** No reply may tell the window where main runs or keeps things. */
  const privateRoots = [process.cwd(), tmp, sharedDir];
  const expectNoPrivatePath = (error: string) => {
    for (const root of privateRoots) expect(error).not.toContain(root);
  };

  // Each of these was loaded relative to main's working folder, its error naming the absolute path.
  it.each(['..', '.', 'model.json', 'x.h5', 'package.json', 'test', 'mobilenet.json', 'node_modules', ' mobilenet', '~', 'a..b'])(
    'refuses %j: neither a zoo id nor a stored model',
    async (model) => {
      const reply = await answer(table.recognize, { image: tench, model });
      expect(reply).toMatchObject({ ok: false, error: /Models are chosen by name, not by path|There is no model/ });
      expectNoPrivatePath((reply as { error: string }).error);
      const folder = await answer(table.recognizeFolder, { jobId: 'j2', folder: sharedDir, model });
      expect(folder).toMatchObject({ ok: false, error: /Models are chosen by name, not by path|There is no model/ });
    },
  );

  it("takes a stored model by name, and a failed load names no file of main's", async () => {
    // A run whose folder has its description but lost its weights: past the name check, the load fails.
    const folder = path.join(service.storage.storeDir, 'lost weights');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'classifier-studio.json'), JSON.stringify({ name: 'lost weights', status: 'complete', labels: ['a', 'b'] }));
    const reply = await answer(table.recognize, { image: tench, model: 'lost weights' });
    expect(reply.ok).toBe(false);
    const error = (reply as { error: string }).error;
    expect(error).not.toMatch(/chosen by name|There is no model/);
    expectNoPrivatePath(error);
    expect(error).toMatch(/…\//); // the path was there, cut to its last part
  });

  it('keeps the paths the user chose in error text', async () => {
    // Chosen, then gone: the error names the folder, which the user needs to see whole.
    const chosen = path.join(tmp, 'chosen folder', 'gone');
    grants.folders.add(chosen);
    const reply = await answer(table.recognizeFolder, { jobId: 'j3', folder: chosen, model: 'mobilenet' });
    expect(reply).toMatchObject({ ok: false });
    expect((reply as { error: string }).error).toContain(chosen);
  });
});
