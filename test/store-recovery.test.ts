// A save is two renames (old folder aside, new folder in); a SIGKILL between them leaves no model
// folder, only `<name>.old-x` (and maybe a half-written `<name>.tmp-x`). The store must put the
// model back whichever way it is opened: get, has, list, or loading it by name.
import { mkdir, readdir, rename, utimes, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { recoverFolder, replaceFolder, STALE_TMP_MS } from '../src-main/core/store/atomic.ts';
import { checkName, ModelStore, runState, type StoredModelMeta } from '../src-main/core/store/model-store.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { tempDir } from './helpers/shared.ts';
import { storedMeta } from './helpers/stored-meta.ts';

// The real file system, with one switch: a reader that recovers the model right after a save
// has moved the old folder aside, the moment a reader on another thread could pick.
const interleave = vi.hoisted(() => ({ readerBetweenRenames: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const rename: typeof fs.rename = async (from, to) => {
    await fs.rename(from, to);
    if (interleave.readerBetweenRenames && /\.old-[0-9a-f]{8}$/.test(String(to)) && !/\.old-/.test(String(from))) {
      interleave.readerBetweenRenames = false;
      await recoverFolder(String(from), await fs.readdir(path.dirname(String(from))));
    }
  };
  return { ...fs, rename, default: { ...fs, rename } };
});

beforeAll(() => initBackend());

function tinyModel(): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'softmax' })] });
  model.setWeights([
    tf.tensor2d(
      Array.from({ length: 12 }, (_, i) => (i % 5) - 2),
      [4, 3],
    ),
    tf.tensor1d([0.1, 0.2, 0.3]),
  ]);
  return model;
}

const metaOf = (name: string, extra: Partial<StoredModelMeta> = {}): StoredModelMeta =>
  storedMeta(name, { network: 'dense', labels: ['a', 'b', 'c'], inputSize: [1, 4], ...extra });

/** Saves as a run would: holding the name. */
const save = (store: ModelStore, model: tf.LayersModel, meta: StoredModelMeta) => store.withReservation(meta.name, 'saved', 'replace', (held) => store.save(model, meta, held));
/** The store folder's entries but its own (reservations are kept under a dot-name). */
const models = async (dir: string) => (await readdir(dir)).filter((n) => !n.startsWith('.'));

let crashes = 0;

/** What a SIGKILL between the two renames of a save leaves: the old version aside, a half-written new one. */
async function killBetweenRenames(store: ModelStore, name: string, stale = false): Promise<void> {
  const dir = store.folderOf(name);
  const tag = (0x10000000 + ++crashes).toString(16);
  await rename(dir, `${dir}.old-${tag}`);
  await mkdir(`${dir}.tmp-${tag}`);
  await writeFile(`${dir}.tmp-${tag}/model.json`, '{"modelTopology": {"trunc');
  if (stale) {
    const past = new Date(Date.now() - STALE_TMP_MS - 60_000);
    await utimes(`${dir}.tmp-${tag}`, past, past);
  }
}

describe('the model store after a crash mid-save', () => {
  it('get and loading by name bring back the model moved aside; a fresh half-written copy is left alone, a stale one removed', async () => {
    const store = new ModelStore(await tempDir('cs-recover-'));
    const model = tinyModel();
    await save(store, model, metaOf('m1', { bestEpoch: 3 }));
    const before = (model.predict(tf.ones([1, 4])) as tf.Tensor).arraySync();
    await killBetweenRenames(store, 'm1');
    expect(await models(store.dir)).not.toContain('m1');

    expect(await store.get('m1')).toMatchObject({ name: 'm1', bestEpoch: 3 });
    // A writer may still be filling a recent .tmp- folder: only stale ones go.
    const fresh = (await models(store.dir)).filter((n) => n !== 'm1');
    expect(fresh).toEqual([expect.stringMatching(/^m1\.tmp-/)]);
    await utimes(path.join(store.dir, fresh[0]!), new Date(0), new Date(0));
    await killBetweenRenames(store, 'm1', true);
    const { classifier } = await loadModel('m1', { cacheDir: await tempDir(), storeDir: store.dir, offline: true });
    expect((classifier.model.predict(tf.ones([1, 4])) as tf.Tensor).arraySync()).toEqual(before);
    classifier.dispose();
    expect(await models(store.dir)).toEqual(['m1']);
    model.dispose();
  });

  it('has() and list() recover too, and drop the aside copy of a save that had finished its renames', async () => {
    const store = new ModelStore(await tempDir('cs-recover-'));
    const model = tinyModel();
    for (const name of ['a', 'b', 'c']) await save(store, model, metaOf(name));
    await killBetweenRenames(store, 'a', true);
    await killBetweenRenames(store, 'b', true);
    // c: killed after the second rename, before the old copy was removed.
    await mkdir(path.join(store.dir, 'c.old-12345678'));
    expect(await store.has('a')).toBe(true);
    expect((await store.list()).map((m) => m.name).sort()).toEqual(['a', 'b', 'c']);
    expect((await models(store.dir)).sort()).toEqual(['a', 'b', 'c']);
    model.dispose();
  });

  it('checkpoints saved while readers list and recover never fail, and leave one whole model', async () => {
    // The app lists the store while a training worker saves checkpoints: a reader can find the
    // folder missing between a save's two renames and put the old one back; the save must win.
    const store = new ModelStore(await tempDir('cs-recover-'));
    const model = tinyModel();
    await save(store, model, metaOf('busy'));
    let saving = true;
    const readers = Array.from({ length: 4 }, async () => {
      let seen = 0;
      while (saving) seen += (await store.list()).length + Number(await store.has('busy'));
      return seen;
    });
    for (let epoch = 1; epoch <= 60; epoch++) await save(store, model, metaOf('busy', { bestEpoch: epoch }));
    saving = false;
    await Promise.all(readers);
    expect(await models(store.dir)).toEqual(['busy']);
    expect((await store.get('busy')).bestEpoch).toBe(60);
    model.dispose();
  });

  it('a save whose old folder a reader put back between its renames still wins', async () => {
    const store = new ModelStore(await tempDir('cs-recover-'));
    const model = tinyModel();
    await save(store, model, metaOf('m', { bestEpoch: 1 }));
    interleave.readerBetweenRenames = true;
    await save(store, model, metaOf('m', { bestEpoch: 2 }));
    expect(interleave.readerBetweenRenames).toBe(false); // the reader did run
    expect((await store.get('m')).bestEpoch).toBe(2);
    expect(await models(store.dir)).toEqual(['m']);
    model.dispose();
  });

  it('replaceFolder swaps a whole folder in, leaving no temporary behind', async () => {
    const dir = path.join(await tempDir('cs-recover-'), 'f');
    await replaceFolder(dir, { 'x.txt': 'one' });
    await replaceFolder(dir, { 'y.txt': 'two' });
    expect(await readdir(dir)).toEqual(['y.txt']);
    expect(await readdir(path.dirname(dir))).toEqual(['f']);
  });

  it('tells a live run from an interrupted one by the process that wrote it', async () => {
    const store = new ModelStore(await tempDir('cs-recover-'));
    const model = tinyModel();
    await save(store, model, metaOf('live', { status: 'training' }));
    expect((await store.get('live')).writer?.pid).toBe(process.pid);
    expect(runState(await store.get('live'))).toBe('training');
    // A process that has ended: this one's child, already gone.
    const dead = Number(execFileSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).trim());
    await store.withReservation('live', 'saved', 'replace', (held) => store.updateMeta(held, {}));
    const meta = await store.get('live');
    expect(runState({ ...meta, writer: { pid: dead, host: meta.writer!.host } })).toBe('interrupted');
    expect(runState({ ...meta, writer: undefined })).toBe('interrupted');
    expect(runState({ ...meta, status: 'cancelled' })).toBe('cancelled');
    expect(() => checkName('model.old-0a1b2c3d')).toThrow(/cannot be a model name/);
    model.dispose();
  });
});
