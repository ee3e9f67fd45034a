// The model store under concurrent use: a name is held by one writer at a time across processes
// (the app and the CLI share one store), an existing model is replaced only when asked, and a
// model that is training cannot be renamed or deleted. Real CLI processes, real MNIST.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readdir, writeFile, mkdir, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { isLock, lockOwner, tryLock, type LockOwner } from '../src-main/core/store/lock-file.ts';
import { checkName, ModelStore, type StoredModelMeta } from '../src-main/core/store/model-store.ts';
import { CodedError } from '../src-main/shared/errors.ts';
import { StudioService } from '../src-main/service/studio.ts';
import type { StudioEvent } from '../src-main/contract.ts';
import { modelNameProblem } from '../src-main/shared/model-names.ts';
import { runCli } from './helpers/cli.ts';
import { repoRoot, sharedDir, tempDir } from './helpers/shared.ts';
import { storedMeta } from './helpers/stored-meta.ts';

beforeAll(() => initBackend());

/** A pid no process has: a child of this one, already gone. */
const deadPid = () => Number(execFileSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).trim());

function tinyModel(): tf.LayersModel {
  return tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], activation: 'softmax' })] });
}

const metaOf = (name: string): StoredModelMeta => storedMeta(name, { network: 'dense', inputSize: [1, 3] });

async function stored(store: ModelStore, name: string): Promise<void> {
  const model = tinyModel();
  await store.withReservation(name, 'saved', 'refuse', (held) => store.save(model, metaOf(name), held));
  model.dispose();
}

describe('lock files', () => {
  it('one holder at a time; released, the next takes it', async () => {
    const file = path.join(await tempDir('cs-lock-'), 'x');
    const first = await tryLock(file, 'trained');
    expect(isLock(first)).toBe(true);
    const second = await tryLock(file, 'renamed');
    expect(isLock(second)).toBe(false);
    expect(second).toMatchObject({ pid: process.pid, purpose: 'trained' });
    if (isLock(first)) await first.release();
    const third = await tryLock(file, 'renamed');
    expect(isLock(third)).toBe(true);
    if (isLock(third)) await third.release();
    expect(await lockOwner(file)).toBeUndefined();
  });

  it('a lock whose process is gone is taken over; a lock cut short by a crash too, once it is old', async () => {
    const dir = await tempDir('cs-lock-');
    const file = path.join(dir, 'x');
    const dead: LockOwner = { pid: deadPid(), host: os.hostname(), token: 'dead', purpose: 'trained', since: new Date().toISOString() };
    await writeFile(file, JSON.stringify(dead));
    expect(await lockOwner(file)).toBeUndefined();
    const taken = await tryLock(file, 'trained');
    expect(isLock(taken) && taken.owner.pid).toBe(process.pid);
    if (isLock(taken)) await taken.release();

    await writeFile(file, ''); // made, never written: its process died in between
    expect(isLock(await tryLock(file, 'trained'))).toBe(false); // young: maybe being written now
    await utimes(file, new Date(0), new Date(0));
    const again = await tryLock(file, 'trained');
    expect(isLock(again)).toBe(true);
    if (isLock(again)) await again.release();
    expect(await readdir(dir)).toEqual([]); // nothing left beside it
  });

  it('a lock on another machine cannot be checked, so it is respected', async () => {
    const file = path.join(await tempDir('cs-lock-'), 'x');
    await writeFile(file, JSON.stringify({ pid: deadPid(), host: 'elsewhere.example', token: 't', purpose: 'trained', since: '' }));
    expect(await tryLock(file, 'trained')).toMatchObject({ host: 'elsewhere.example' });
  });

  it('ten takers at once: exactly one wins', async () => {
    const file = path.join(await tempDir('cs-lock-'), 'x');
    const got = await Promise.all(Array.from({ length: 10 }, () => tryLock(file, 'trained')));
    expect(got.filter(isLock)).toHaveLength(1);
  });
});

describe('model names', () => {
  it('refuses names that Windows cannot hold, on every platform', () => {
    for (const bad of ['CON', 'con', 'nul.txt', 'COM1', 'lpt9.tar', 'name.', 'name ', 'a..b', '.hidden', 'x/y', 'model.old-0a1b2c3d', '']) {
      expect(modelNameProblem(bad), bad).toBeDefined();
      expect(() => checkName(bad)).toThrow(/cannot be a model name/);
    }
    for (const good of ['console', 'com10', 'lenet5-mnist', 'my model 2', '개 품종', 'v1.2_final']) expect(modelNameProblem(good), good).toBeUndefined();
  });
});

describe('reservations in the store', () => {
  it('an existing name is refused unless replacing was asked for; a free name is found for each of many runs at once', async () => {
    const store = new ModelStore(await tempDir('cs-store-'));
    await stored(store, 'dup');
    await expect(store.reserve('dup', 'trained', 'refuse')).rejects.toThrow(/A model called "dup" already exists.*--overwrite/);
    const replacing = await store.reserve('dup', 'trained', 'replace');
    await expect(store.reserve('dup', 'trained', 'replace')).rejects.toThrow(/"dup" is being trained by this program/);
    await store.release(replacing);

    const names = await Promise.all(Array.from({ length: 6 }, () => store.reserveFree('dup', 'trained')));
    expect(names.map((r) => r.name).sort()).toEqual(['dup-2', 'dup-3', 'dup-4', 'dup-5', 'dup-6', 'dup-7']);
    for (const r of names) await store.release(r);
  });

  it('rename and delete refuse a model that is training; a stale reservation does not block them', async () => {
    const store = new ModelStore(await tempDir('cs-store-'));
    await stored(store, 'busy');
    await stored(store, 'other');
    const run = await store.reserve('busy', 'trained', 'replace');
    await expect(store.delete('busy')).rejects.toThrow(/"busy" is being trained/);
    await expect(store.rename('busy', 'moved')).rejects.toThrow(/"busy" is being trained/);
    await expect(store.rename('other', 'busy')).rejects.toThrow(/"busy" is being trained/);
    expect((await store.list()).map((m) => m.name).sort()).toEqual(['busy', 'other']);
    await store.release(run);

    // A run that died (its process is gone) left its reservation behind.
    await mkdir(path.join(store.dir, '.reserved'), { recursive: true });
    await writeFile(path.join(store.dir, '.reserved', 'busy'), JSON.stringify({ pid: deadPid(), host: os.hostname(), token: 'x', purpose: 'trained', since: '' }));
    await store.rename('busy', 'moved');
    await expect(store.rename('other', 'moved')).rejects.toThrow(/A model called "moved" already exists/);
    await store.delete('other');
    expect((await store.list()).map((m) => m.name)).toEqual(['moved']);
    await expect(store.delete('nothing')).rejects.toBeInstanceOf(CodedError);
  });

  it('a holder that lost its name writes nothing', async () => {
    const store = new ModelStore(await tempDir('cs-store-'));
    const model = tinyModel();
    await expect(store.save(model, metaOf('ghost'), { name: 'ghost', token: 'not-mine' })).rejects.toThrow(/no longer reserved/);
    expect(await store.has('ghost')).toBe(false);
    model.dispose();
  });
});

describe('two CLI trainings and the store (real processes, real MNIST)', async () => {
  const datasets = path.join(sharedDir, 'datasets');
  const storeDir = await tempDir('cs-lock-store-');
  const cacheDir = await tempDir('cs-lock-cache-');
  const storage = ['--mirror', datasets, '--cache', cacheDir, '--store', storeDir, '--offline'];
  const quick = ['--dataset', 'mnist', '--model', 'lenet5', '--epochs', '1', '--limit', '600', '--test-limit', '100', ...storage];
  const store = new ModelStore(storeDir);

  it("started together with one --out: exactly one trains, the other is refused, and the model is the winner's", async () => {
    const [a, b] = await Promise.all([runCli(['train', ...quick, '--out', 'dup', '--json']), runCli(['train', ...quick, '--out', 'dup', '--seed', '7', '--json'])]);
    expect([a.code, b.code].filter((c) => c === 0)).toHaveLength(1);
    const loser = a.code ? a : b;
    expect(loser.stderr).toMatch(/The model "dup" is being trained by process \d+|A model called "dup" already exists/);
    const meta = await store.get('dup');
    expect(meta).toMatchObject({ status: 'complete', history: [expect.objectContaining({ epoch: 1 })] });
    expect((meta.config as { seed: number }).seed).toBe(a.code ? 7 : 1337);
  });

  it('train --out EXISTING is refused without --overwrite and leaves the model as it was; with it, replaces it', async () => {
    const before = await store.get('dup');
    const refused = await runCli(['train', ...quick, '--out', 'dup']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/A model called "dup" already exists: choose another name, or ask to overwrite it \(--overwrite\)/);
    expect(await store.get('dup')).toEqual(before);
    const replaced = await runCli(['train', ...quick, '--out', 'dup', '--overwrite', '--seed', '99']);
    expect(replaced.code).toBe(0);
    expect(((await store.get('dup')).config as { seed: number }).seed).toBe(99);
  });

  it("eval scores a stored model through the service, with the model's own preprocessing", async () => {
    const run = await runCli(['eval', '--model', 'dup', '--dataset', 'mnist', '--test-limit', '100', ...storage, '--json']);
    expect(run.stderr).toBe('');
    const score = JSON.parse(run.stdout) as { accuracy: number; loss: number; count: number };
    expect(score.count).toBe(100);
    // The run evaluated itself on the same 100 test digits: eval must find the same figures.
    const stored = (await store.get('dup')).evaluation!;
    expect(stored.count).toBe(100);
    expect(score.accuracy).toBeCloseTo(stored.accuracy, 6);
    expect(score.loss).toBeCloseTo(stored.loss, 4);
    // The figures of the app's evaluation view: per class, and the confusion matrix.
    const full = score as unknown as { confusion: number[][]; perClass: { className: string; precision: number; recall: number; f1: number; support: number }[] };
    expect(full.confusion).toEqual(stored.confusion);
    expect(full.perClass.map((c) => c.support).reduce((a, b) => a + b, 0)).toBe(100);
    for (const c of full.perClass) expect(c.f1).toBeCloseTo(c.precision + c.recall > 0 ? (2 * c.precision * c.recall) / (c.precision + c.recall) : 0, 10);
    // As text: the same, for a person.
    const text = await runCli(['eval', '--model', 'dup', '--dataset', 'mnist', '--test-limit', '100', ...storage]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^accuracy \d\.\d{4}, loss \d+\.\d{4} on 100 images\n/);
    expect(text.stdout).toMatch(/^class +precision +recall +F1 +images$/m);
    expect(text.stdout.match(/^\d +\d\.\d{4} +\d\.\d{4} +\d\.\d{4} +\d+$/gm)).toHaveLength(10);
    expect(text.stdout).toContain('confusion matrix (rows: true class, columns: predicted class');
    expect(text.stdout.match(/^\d \d +(\d+ +){9}\d+$/gm)).toHaveLength(10);
  });

  it('two runs without --out get two names', async () => {
    const [a, b] = await Promise.all([runCli(['train', ...quick]), runCli(['train', ...quick])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const names = (await store.list())
      .map((m) => m.name)
      .filter((n) => n.startsWith('lenet5-mnist'))
      .sort();
    expect(names).toEqual(['lenet5-mnist', 'lenet5-mnist-2']);
  });

  it("the app's service refuses a stored name before any thread starts, and replaces the model once told to", async () => {
    const studio = new StudioService({ storeDir, cacheDir, datasetMirrorDir: datasets, offline: true });
    const form = {
      dataset: 'mnist',
      network: 'lenet5',
      epochs: 1,
      batchSize: 32,
      optimizer: 'adam',
      learningRate: 0.001,
      validationSplit: 0.1,
      limit: 300,
      testLimit: 50,
      out: 'svc-dup',
    } as const;
    await stored(store, 'svc-dup');
    try {
      await expect(studio.startTraining({ ...form, runId: 'r1' })).rejects.toThrow(/A model called "svc-dup" already exists/);
      expect((await store.get('svc-dup')).network).toBe('dense');
      const ended = new Promise<StudioEvent>((resolve) => studio.on((e) => e.type === 'training-ended' && resolve(e)));
      await studio.startTraining({ ...form, runId: 'r2', overwrite: true });
      expect(await ended).toEqual({ type: 'training-ended', runId: 'r2' });
      expect(await store.get('svc-dup')).toMatchObject({ network: 'lenet5', config: { limit: 300 } });
    } finally {
      studio.dispose();
    }
  });

  it('trained list reads as a table; delete asks on a terminal and keeps the model on "n"; rename and delete say what they did', async () => {
    const list = await runCli(['trained', 'list', '--store', storeDir]);
    const [head, ...rows] = list.stdout.trim().split('\n');
    expect(head).toMatch(/^name +network +state +epochs +test accuracy$/);
    for (const r of rows) expect(r.indexOf('lenet5 ')).toBe(head!.indexOf('network')); // aligned columns
    expect(list.stdout).toMatch(/ 1 epoch, best 1 /);
    // A terminal (util-linux `script` gives the command one) is asked; "n" deletes nothing.
    const asked = spawnSync('script', ['-qec', `${process.execPath} ${path.join(repoRoot, 'bin/classifier-studio.js')} trained delete dup --store ${storeDir}`, '/dev/null'], {
      input: 'n\n',
      encoding: 'utf8',
    });
    expect(asked.stdout).toMatch(/Delete the model "dup"\? This cannot be undone\. \[y\/N\]/);
    expect(asked.stdout).toMatch(/nothing deleted/);
    expect(await store.has('dup')).toBe(true);
    const renamed = await runCli(['trained', 'rename', 'dup', 'dup-renamed', '--store', storeDir]);
    expect(renamed.stdout.trim()).toBe('renamed "dup" to "dup-renamed"');
    const back = await runCli(['trained', 'rename', 'dup-renamed', 'dup', '--store', storeDir]);
    expect(back.code).toBe(0);
  });

  it('delete and rename during a training run are refused, and the run ends whole', async () => {
    // Long enough never to end by itself: stopped with Ctrl-C once the refusals are in.
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/classifier-studio.js'), 'train', ...quick, '--epochs', '50', '--out', 'long', '--json'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Once the first checkpoint is written, the model exists and is training.
    await new Promise<void>((resolve) => createInterface({ input: child.stdout }).on('line', (l) => (JSON.parse(l).event === 'checkpoint' ? resolve() : undefined)));
    const [del, ren] = await Promise.all([runCli(['trained', 'delete', 'long', '--store', storeDir]), runCli(['trained', 'rename', 'long', 'other', '--store', storeDir])]);
    expect(child.exitCode).toBeNull(); // still training when they answered
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(del.code).not.toBe(0);
    expect(del.stderr).toMatch(/The model "long" is being trained by process \d+/);
    expect(ren.stderr).toMatch(/The model "long" is being trained by process \d+/);
    const meta = await store.get('long');
    expect(meta).toMatchObject({ status: 'cancelled', bestEpoch: expect.any(Number) });
    expect(await store.has('other')).toBe(false);
    // Ended, it can go.
    expect((await runCli(['trained', 'delete', 'long', '--store', storeDir])).code).toBe(0);
    expect(await readdir(path.join(storeDir, '.reserved'))).toEqual([]);
  });
});
