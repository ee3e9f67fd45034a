// @vitest-environment happy-dom
// What the service refuses or meets behind the window (a trained model's evaluation that cannot
// show its pictures, a reservation lost, a feature-map layer that is not there, a model asked
// for by a name nobody has, a worker thread that ended) reaches the window coded, and the
// window words it in the user's language. Made for real where a test can make it happen (the
// store, the evaluation, the model lookup, Inside on a real model); a worker that dies is
// made as its caller makes it (service/training.ts, recognizer-thread.ts, h5-reader.ts).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Classifier } from '../../src-main/core/classifier.ts';
import { ModelStore, type StoredModelMeta } from '../../src-main/core/store/model-store.ts';
import { loadModel } from '../../src-main/core/zoo/load.ts';
import { misclassifiedThumbnails } from '../../src-main/service/evaluation.ts';
import { insideOf } from '../../src-main/service/inside.ts';
import { CodedError, errorCodeOf } from '../../src-main/shared/errors.ts';
import { logFailure } from '../../src-main/shared/log-messages.ts';
import { ENGLISH, expectWorded, failure, windowWords } from './window-words.ts';

describe('service errors in the user language', async () => {
  await tf.setBackend('cpu');
  const root = await mkdtemp(path.join(os.tmpdir(), 'cs-service-ko-'));
  afterAll(() => rm(root, { recursive: true, force: true }));
  const store = new ModelStore(path.join(root, 'models'));

  // A reservation whose lock is gone (another process cleared it): the save refuses to write.
  const held = await store.reserve('pets', 'trained', 'refuse');
  await rm(path.join(root, 'models'), { recursive: true, force: true });
  await mkdir(path.join(root, 'models'));
  const meta = { name: 'pets', config: { dataset: path.join(root, 'pets') } } as unknown as StoredModelMeta;
  const lost = await failure(store.save({} as tf.LayersModel, meta, held));

  // An evaluation naming a photo outside the folder the model was trained on (moved, or edited).
  await mkdir(path.join(root, 'pets', 'cat'), { recursive: true });
  const elsewhere = path.join(root, 'elsewhere.png');
  await writeFile(elsewhere, 'x');
  const env = { cacheDir: path.join(root, 'cache'), offline: true };
  const mistake = { index: 0, trueLabel: 0, predicted: 1, confidence: 0.9 };
  const outside = await failure(misclassifiedThumbnails(meta, [{ ...mistake, file: elsewhere }], 1, env));
  const noDataset = await failure(misclassifiedThumbnails({ ...meta, config: {} }, [mistake], 1, env));

  // Inside, asked for a layer the (real, tiny) model does not have.
  const model = tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, name: 'conv' }), tf.layers.flatten(), tf.layers.dense({ units: 2 })],
  });
  const classifier = { spec: { inputSize: [8, 8], channels: 1, preprocessing: 'tf' }, model } as unknown as Classifier;
  const noLayer = await failure(() => insideOf(classifier, 'tiny', undefined, 'conv9'));
  model.dispose();

  const cases: [string, Error, string, string][] = [
    [
      'a reservation lost',
      lost,
      '"pets" 모델이 더 이상 이 실행에 예약되어 있지 않아 아무것도 쓰지 않았습니다.',
      'The model "pets" is no longer reserved for this run; nothing was written.',
    ],
    [
      'a model nobody has',
      await failure(loadModel('gone-model', { cacheDir: env.cacheDir, storeDir: path.join(root, 'models') })),
      '"gone-model" 모델이 없습니다.',
      'There is no model called "gone-model".',
    ],
    ['a layer without feature maps', noLayer, '모델에 특징 맵이 있는 "conv9" 레이어가 없습니다.', 'The model has no layer called "conv9" with feature maps.'],
    [
      'the training worker gone',
      new CodedError('training-worker-stopped', 'The training worker stopped (exit code 1).', { exitCode: 1 }),
      '학습 작업 스레드가 예기치 않게 멈췄습니다(종료 코드 1).',
      'The training worker stopped unexpectedly (exit code 1).',
    ],
    [
      'a run cancelled before it began',
      new CodedError('training-cancelled-early', 'Training was cancelled before it started.'),
      '학습이 시작되기 전에 취소되었습니다.',
      'Training was cancelled before it started.',
    ],
    [
      'the recognition worker gone',
      new CodedError('recognition-worker-stopped', 'The recognition worker stopped (exit code 1).'),
      '인식 작업 스레드가 예기치 않게 멈췄습니다. 다음 인식 때 다시 시작합니다.',
      'Recognition stopped unexpectedly; the next recognition starts it again.',
    ],
    [
      'a damaged .h5',
      new CodedError('h5-reader-failed', '/x/net.h5: the HDF5 reader took longer than 120 s; the file is probably damaged.', { file: 'net.h5' }),
      '“net.h5” 파일을 읽을 수 없습니다: HDF5 리더가 이 파일에서 멈췄으니',
      '“net.h5” could not be read: the HDF5 reader stopped on it',
    ],
  ];

  it.each(cases)('%s: coded, Korean without an English sentence', async (_what, err, korean, english) => {
    await expectWorded(err, korean, english, root);
  });

  it.each([
    ['a photo outside the training folder', outside, '평가에 적힌 “elsewhere.png”이(가) 모델을 학습한 폴더의 사진이 아닙니다'],
    ['a model that names no dataset', noDataset, '모델에 어떤 데이터셋으로 학습했는지 적혀 있지 않습니다'],
  ])('%s: the log line of thumbnails not made, in Korean', async (_what, err, korean) => {
    expect(errorCodeOf(err), err.message).toBeDefined();
    const line = logFailure('no-thumbnails', { name: 'pets' }, err);
    const ko = (await windowWords('ko')).log(line);
    expect(ko).toContain(`pets의 미리보기 그림을 만들지 못했습니다: ${korean}`);
    expect(ko).not.toMatch(ENGLISH);
    expect((await windowWords('en')).log(line)).not.toContain(root);
  });
});
