// @vitest-environment happy-dom
// What main refuses in everyday use (a dataset or class name, a name taken, a class gone, a model
// renamed to a bad name, a training form that cannot run, pictures not added) reaches the window
// coded, and the window words it in the user's language: the Korean holds no English sentence.
// The refusals are real: the service and the store, on a temporary folder.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { loadImageFolder } from '../../src-main/core/datasets/folder.ts';
import { modelFileKind } from '../../src-main/core/models/model-file.ts';
import { ModelStore } from '../../src-main/core/store/model-store.ts';
import { DatasetService } from '../../src-main/service/datasets.ts';
import { toTransferConfig } from '../../src-main/service/training-form.ts';
import { CodedError, errorCodeOf } from '../../src-main/shared/errors.ts';
import DatasetPanel from '../../src-renderer/src/components/DatasetPanel.vue';
import { useDatasetStore } from '../../src-renderer/src/stores/dataset.ts';
import { fakeApi, plugins } from './setup.ts';
import { ENGLISH, HANGUL, windowWords, failure, sent } from './window-words.ts';

describe('refusals in the user language', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cs-refusals-'));
  const datasets = new DatasetService(path.join(root, 'datasets'), path.join(root, 'cache'));
  const store = new ModelStore(path.join(root, 'models'));
  const pets = (await datasets.create('pets')).dir;
  await datasets.createClass(pets, 'cat');
  const split = path.join(root, 'cifar');
  await mkdir(path.join(split, 'train', 'cat'), { recursive: true });
  await mkdir(path.join(split, 'test', 'cat'), { recursive: true });
  // The same file name in two classes (a real PNG: the dataset keeps only pictures).
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#c84' } })
    .png()
    .toBuffer();
  for (const cls of ['cat', 'fox']) {
    await mkdir(path.join(pets, cls), { recursive: true });
    await writeFile(path.join(pets, cls, 'tabby.png'), png);
  }
  await writeFile(path.join(split, 'train', 'cat', 'tabby.png'), png);
  const grey = { imageSize: [8, 8] as [number, number], channels: 1 as const };
  const form = { runId: 'r', dataset: 'mnist', network: 'transfer-mobilenet', optimizer: 'adam', learningRate: 0.001, validationSplit: 0.2 } as const;

  const refusals: [string, Error, RegExp][] = [
    ['a device name for a dataset', await failure(datasets.create('con')), /^"con"은\(는\) 데이터셋 이름으로 쓸 수 없습니다: Windows가 장치 이름으로/],
    ['a taken dataset name', await failure(datasets.create('Pets')), /^"pets"\(이\)라는 데이터셋이 이미 있습니다\.$/],
    [
      'a split name for a class',
      await failure(datasets.createClass(pets, 'train')),
      /^"train"은\(는\) 클래스 이름으로 쓸 수 없습니다: train, test, validation, val은 데이터셋의 분할 이름이라/,
    ],
    ['a taken class', await failure(datasets.createClass(pets, 'Cat')), /^"cat" 클래스가 이미 있습니다\.$/],
    ['a train/test folder opened as a dataset', await failure(datasets.show(split)), /^“cifar”은\(는\) train\/과 test\/ 폴더로 나뉘어 있습니다\./],
    ['a class gone', await failure(datasets.renameClass(pets, 'dog', 'puppy')), /^이 데이터셋에 "dog" 클래스가 없습니다\.$/],
    ['a bad model name on rename', await failure(store.rename('a', 'b..c')), /^"b\.\.c"은\(는\) 모델 이름으로 쓸 수 없습니다: 점을 두 개 이어 쓸 수 없습니다\.$/],
    ['transfer on a built-in set', await failure(() => toTransferConfig(form)), /^전이 학습은 클래스별 하위 폴더가 있는 폴더의 사진으로/],
    // As core/store/import-keras.ts makes it (test/keras-import.test.ts checks it does, on a real .h5).
    [
      'an import with too few class names',
      new CodedError('import-labels-mismatch', 'x', { file: 'fashion.h5', outputs: 10, labels: 9 }),
      /^fashion\.h5의 출력은 10개인데 클래스 이름은 9개입니다\./,
    ],
    ['transfer with augmentation', await failure(() => toTransferConfig({ ...form, dataset: pets, augment: true })), /이미지 증강을 끄세요\.$/],
    ['a picture gone', await failure(datasets.move(pets, { cls: 'cat', name: 'gone.jpg' }, 'dog')), /^“cat\/gone\.jpg” 사진이 이 데이터셋에 \(더 이상\) 없습니다\.$/],
    ['a picture moved onto one of its name', await failure(datasets.move(pets, { cls: 'cat', name: 'tabby.png' }, 'fox')), /^“tabby\.png”이라는 사진이 이미 "fox" 클래스에 있어서/],
    ['a picture in two classes', await failure(datasets.moveByReference(pets, 'tabby.png', 'bird')), /^“tabby\.png”이\(가\) 여러 클래스\(cat, fox\)에 있습니다/],
    ['a class with pictures, without their word', await failure(datasets.deleteClass(pets, 'cat', { force: false })), /^"cat" 클래스에 아직 사진 1장이 있습니다/],
    // A folder chosen to train on, or to import a model from, that cannot be.
    ['a folder of one class to train on', await failure(loadImageFolder(path.join(split, 'train'), grey)), /^“train” 폴더에서 사진이 있는 클래스가 2개보다 적습니다\./],
    ['a folder without class folders to train on', await failure(loadImageFolder(path.join(split, 'test', 'cat'), grey)), /^“cat” 폴더에 사진이 든 클래스 하위 폴더가 없습니다\./],
    ['a folder without model.json to import', await failure(modelFileKind(pets)), /^“pets”은\(는\) model\.json이 없는 폴더라서 TensorFlow\.js 모델이 아닙니다\./],
    ['a file that is no model to import', await failure(modelFileKind(path.join(pets, 'cat', 'tabby.png'))), /^“tabby\.png”은\(는\) 앱이 읽을 수 있는 모델이 아닙니다/],
  ];

  it.each(refusals)('%s: coded, Korean without an English sentence', async (_what, err, korean) => {
    expect(errorCodeOf(err), err.message).toBeDefined();
    const ko = (await windowWords('ko')).error(sent(err));
    expect(ko).toMatch(korean);
    expect(ko.replace(/train, test, validation, val/, '')).not.toMatch(ENGLISH);
    // English in the window: the same words as the CLI's, without main's paths.
    const en = (await windowWords('en')).error(sent(err));
    expect(en).not.toMatch(HANGUL);
    expect(en).not.toContain(root);
  });

  it('words pictures not added by their reason, in Korean', async () => {
    const text = path.join(root, 'notes.jpg');
    await writeFile(text, 'not a picture');
    const out = await datasets.addFiles(pets, 'cat', [text]);
    expect(out).toMatchObject([{ name: 'notes.jpg', status: 'refused', reason: 'not-an-image' }]);
    fakeApi({ listDatasets: async () => [], appInfo: async () => ({ version: '0', versions: {}, backend: 'cpu', skipped: [], storeDir: '/store' }) });
    const p = plugins('ko');
    const w = mount(DatasetPanel, {
      ...p,
      global: { ...p.global, stubs: { DatasetClasses: true, DatasetGrid: true, DatasetTest: true, DatasetTrain: true, EvaluationPanel: true, WebcamCapture: true } },
    });
    const ds = useDatasetStore(p.pinia);
    ds.current = { dir: pets, name: 'pets', managed: true, classes: [{ name: 'cat', count: 0 }], images: 0, plan: { train: 0, validation: 0, test: 0, epochs: 1, batchSize: 1 } };
    ds.refused = [...out, { name: 'b.jpg', status: 'refused', reason: 'in-another-class', stored: 'dog/1234.jpg', error: 'b.jpg: the same image is already in class "dog"' }];
    await flushPromises();
    const lines = w.findAll('[data-testid="refused"] li').map((li) => li.text());
    expect(lines).toEqual([
      '“notes.jpg”은(는) 이미지가 아니거나 앱이 읽을 수 없는 형식입니다(JPEG, PNG, WebP, GIF, TIFF, AVIF).',
      '“b.jpg”은(는) 이미 “dog” 클래스에 있어서 다시 추가하지 않았습니다.',
    ]);
    for (const l of lines) expect(HANGUL.test(l) && !ENGLISH.test(l), l).toBe(true);
  });
});
