// Model metadata that cannot be trusted (issue 17): a stored model's classifier-studio.json may
// be edited to ask for 16000x16000 inputs or to point evaluation thumbnails at any file. The
// metadata is checked against the model when it is loaded, and thumbnails open only the
// photos of the dataset the model was trained on.
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { META_FILE, ModelStore, type StoredModelMeta } from '../src-main/core/store/model-store.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { plainStoredModel } from '../src-main/core/store/export-model.ts';
import { misclassifiedThumbnails } from '../src-main/service/evaluation.ts';
import { evaluationView } from '../src-main/service/store-views.ts';
import { errorCodeOf, type Coded } from '../src-main/shared/errors.ts';
import { tempDir } from './helpers/shared.ts';
import { storedMeta } from './helpers/stored-meta.ts';

beforeAll(() => initBackend());

const labels = ['a', 'b', 'c'];

const metaOf = (name: string, extra: Partial<StoredModelMeta> = {}): StoredModelMeta =>
  storedMeta(name, {
    network: 'tiny',
    labels,
    inputSize: [28, 28],
    preprocessing: 'scale01',
    resize: 'area',
    dataset: { name: 'x', source: '/nowhere', format: 'folder' },
    ...extra,
  });

async function storedTiny(): Promise<{ storeDir: string; metaFile: string }> {
  const storeDir = await tempDir('cs-meta-');
  const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
  const store = new ModelStore(storeDir);
  await store.withReservation('tiny', 'saved', 'refuse', (held) => store.save(model, metaOf('tiny'), held));
  model.dispose();
  return { storeDir, metaFile: path.join(storeDir, 'tiny', META_FILE) };
}

async function patchMeta(file: string, patch: Record<string, unknown>): Promise<void> {
  await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), ...patch }));
}

describe("a stored model's metadata", () => {
  it('is checked against the model when it is loaded', async () => {
    const { storeDir, metaFile } = await storedTiny();
    const load = () => loadModel('tiny', { storeDir, cacheDir: storeDir, offline: true });
    const ok = await load();
    expect(ok.classifier.spec).toMatchObject({ inputSize: [28, 28], channels: 1 });
    ok.classifier.dispose();

    // Each coded, with the values the window words it with (in Korean too: components/model-checks-ko).
    const refusals: [Record<string, unknown>, string, Coded][] = [
      [
        { inputSize: [16000, 16000] },
        'not valid model metadata (inputSize.0: Too big: expected number to be <=4096)',
        {
          code: 'model-meta-invalid',
          params: expect.objectContaining({ issueList: JSON.stringify(['inputSize.0', 'inputSize.1'].map((field) => ({ field, kind: 'too-big', limit: '4096' }))) }),
        },
      ],
      [
        { inputSize: [32, 32] },
        "inputSize 32x32 does not match the model's input of 28x28.",
        { code: 'model-meta-input-mismatch', params: { file: metaFile, size: '32x32', input: '28x28' } },
      ],
      [{ channels: 3 }, "channels 3 does not match the model's input of 1 channel.", { code: 'model-meta-channels-mismatch', params: { file: metaFile, channels: 3, input: 1 } }],
      [{ labels: ['a', 'b'] }, 'names 2 classes but the model has 3 outputs.', { code: 'model-meta-labels-mismatch', params: { file: metaFile, named: 2, outputs: 3 } }],
      [
        { labels: 'imagenet' },
        'names 1000 classes (imagenet) but the model has 3 outputs.',
        { code: 'model-meta-labels-mismatch', params: { file: metaFile, named: 1000, outputs: 3 } },
      ],
      [
        { preprocessing: 'magic' },
        'not valid model metadata (preprocessing: Invalid option: expected one of "tf"|"caffe"|"scale01"|"none")',
        { code: 'model-meta-invalid', params: expect.objectContaining({ issueList: expect.stringContaining('"field":"preprocessing","kind":"not-allowed"') }) },
      ],
    ];
    const tensors = tf.memory().numTensors;
    for (const [patch, message, coded] of refusals) {
      await patchMeta(metaFile, { inputSize: [28, 28], channels: 1, labels, preprocessing: 'scale01', ...patch });
      const err = await load().then(
        () => expect.unreachable(JSON.stringify(patch)) as never,
        (e: unknown) => e as Error,
      );
      expect(err.message, JSON.stringify(patch)).toBe(`${metaFile}: ${message}`);
      expect(errorCodeOf(err), JSON.stringify(patch)).toEqual(coded);
    }
    await writeFile(metaFile, '{"labels": [');
    await expect(load()).rejects.toMatchObject({ code: 'model-meta-not-json', params: { file: metaFile }, message: expect.stringMatching(/: not valid JSON \(/) });
    // A refused model is disposed, not left in memory.
    expect(tf.memory().numTensors).toBe(tensors);
  });
});

describe('a stored transfer model', () => {
  it('whose backbone the zoo does not have is refused coded when it is exported', async () => {
    const { storeDir } = await storedTiny();
    const store = new ModelStore(storeDir);
    const tensors = tf.memory().numTensors;
    await expect(plainStoredModel(store, metaOf('tiny', { network: 'transfer-alexnet' }), { cacheDir: storeDir, offline: true })).rejects.toMatchObject({
      code: 'model-backbone-missing',
      params: { name: 'tiny', backbone: 'alexnet' },
      message: 'The model "tiny" was trained on the backbone alexnet, which the zoo does not have.',
    });
    expect(tf.memory().numTensors).toBe(tensors); // the stored model it loaded is disposed
  });
});

describe('evaluation thumbnails', () => {
  it('open only images inside the dataset the model was trained on', async () => {
    const base = await tempDir('cs-meta-');
    const dataset = path.join(base, 'photos');
    await mkdir(path.join(dataset, 'test', 'a'), { recursive: true });
    const photo = path.join(dataset, 'test', 'a', 'one.png');
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
      .png()
      .toFile(photo);
    const outside = path.join(base, 'secret.png');
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#000000' } })
      .png()
      .toFile(outside);
    const link = path.join(dataset, 'test', 'a', 'link.png');
    await symlink(outside, link);
    const meta = metaOf('tiny', { config: { dataset }, dataset: { name: 'photos', source: dataset, format: 'folder' } });
    const env = { cacheDir: base, offline: true };
    const mistake = (file: string) => ({ index: 0, file, trueLabel: 0, predicted: 1, confidence: 0.9 });

    const [shown] = await misclassifiedThumbnails(meta, [mistake(photo)], 4, env);
    expect(shown!.thumbnail).toMatch(/^data:image\/jpeg;base64,/);
    for (const file of [outside, link, '/etc/passwd', path.join(dataset, '..', 'secret.png')]) {
      await expect(misclassifiedThumbnails(meta, [mistake(photo), mistake(file)], 4, env)).rejects.toThrow(
        `the evaluation of tiny names ${file}, which is not an image in the dataset folder ${dataset} the model was trained on; no thumbnails are made.`,
      );
    }
    // A model that names no dataset gets no thumbnails of files at all.
    await expect(misclassifiedThumbnails(metaOf('tiny'), [mistake(photo)], 4, env)).rejects.toThrow(/not an image in a dataset folder/);
  });
});

describe('the evaluation view: right answers and training mistakes', () => {
  it('gets thumbnails of the right answers (a few a class) and of the training pictures it gets wrong, inside the dataset only', async () => {
    const { storeDir, metaFile } = await storedTiny();
    const dataset = path.join(await tempDir('cs-meta-'), 'photos');
    const photo = async (rel: string, colour: string) => {
      const file = path.join(dataset, rel);
      await mkdir(path.dirname(file), { recursive: true });
      await sharp({ create: { width: 16, height: 16, channels: 3, background: colour } })
        .png()
        .toFile(file);
      return file;
    };
    const [a1, a2, b1, trainA] = [await photo('a/1.png', '#808080'), await photo('a/2.png', '#707070'), await photo('b/1.png', '#606060'), await photo('a/3.png', '#505050')];
    const m = (index: number, file: string, trueLabel: number, predicted: number, confidence: number) => ({ index, file, trueLabel, predicted, confidence });
    const evaluation = {
      loss: 0.5,
      accuracy: 0.75,
      count: 4,
      classNames: labels,
      confusion: [
        [2, 0, 0],
        [1, 1, 0],
        [0, 0, 0],
      ],
      perClass: labels.map((className) => ({ className, precision: 1, recall: 1, support: 1 })),
      misclassified: [m(3, b1, 1, 0, 0.8)],
      correct: [m(0, a1, 0, 0, 0.99), m(1, a2, 0, 0, 0.9), m(2, b1, 1, 1, 0.7)],
      trainingMistakes: [m(7, trainA, 0, 2, 0.95)],
    };
    await patchMeta(metaFile, { config: { dataset }, dataset: { name: 'photos', source: dataset, format: 'folder' }, evaluation });
    const store = new ModelStore(storeDir);
    const logged: string[] = [];
    const env = { cacheDir: storeDir, modelStoreDir: storeDir, offline: true };
    const view = (await evaluationView(store, 'tiny', 200, env as never, (l) => logged.push(l.message)))!;
    expect(view.correct!.map((c) => c.file)).toEqual([a1, a2, b1]);
    for (const c of [...view.correct!, ...view.misclassified, ...view.trainingMistakes!]) expect(c.thumbnail).toMatch(/^data:image\/jpeg;base64,/);
    expect(logged).toEqual([]);

    // Fewer thumbnails asked for: at least 2 right answers of each class still.
    const small = (await evaluationView(store, 'tiny', 1, env as never, (l) => logged.push(l.message)))!;
    expect(small.correct!.filter((c) => c.thumbnail).map((c) => c.file)).toEqual([a1, a2, b1]);

    // A training mistake edited to name a file outside the dataset: no thumbnails of training
    // pictures (logged), while the test pictures still get theirs.
    await patchMeta(metaFile, { evaluation: { ...evaluation, trainingMistakes: [m(7, '/etc/passwd', 0, 2, 0.95)] } });
    const tampered = (await evaluationView(store, 'tiny', 200, env as never, (l) => logged.push(l.message)))!;
    expect(tampered.trainingMistakes![0]!.thumbnail).toBeUndefined();
    expect(tampered.correct![0]!.thumbnail).toMatch(/^data:image\//);
    expect(logged.join('\n')).toMatch(/no thumbnails of training pictures for tiny: .*names \/etc\/passwd, which is not an image in the dataset folder/);
  });
});
