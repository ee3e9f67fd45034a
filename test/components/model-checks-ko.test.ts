// @vitest-environment happy-dom
// A model folder whose description does not fit its model (store/meta-check.ts; loaded for real
// in test/untrusted-metadata.test.ts) reaches the window coded, and the window words it in the
// user's language: no English sentence in Korean, each refused field named with its limit.
import type { LayersModel } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { errorMessageOf } from '../../src-main/contract.ts';
import { checkMetadata } from '../../src-main/core/store/meta-check.ts';
import { CodedError, errorCodeOf } from '../../src-main/shared/errors.ts';
import { ENGLISH, HANGUL, sent, windowWords } from './window-words.ts';

/** What checkMetadata reads of a model: its input and output shapes (a 28x28 grey picture, 3 classes). */
const model = { inputs: [{ shape: [null, 28, 28, 1] }], outputs: [{ shape: [null, 3] }] } as unknown as LayersModel;
const wide = { inputs: [{ shape: [null, 8000, 8000, 3] }], outputs: [{ shape: [null, 3] }] } as unknown as LayersModel;
const FILE = '…/tiny/classifier-studio.json';

function refusal(meta: unknown, m = model): Error {
  try {
    checkMetadata(meta, FILE, m);
  } catch (err) {
    expect(errorCodeOf(err), (err as Error).message).toBeDefined();
    return new Error(errorMessageOf({ ok: false, error: (err as Error).message, ...errorCodeOf(err)! }));
  }
  return expect.unreachable('it should be refused') as never;
}

describe("a model folder's description in the user language", () => {
  it.each([
    ['an input size over the limit', refusal({}, wide), `${FILE}은(는) 8000x8000 이미지를 받아 한 변 4096픽셀 한도를 넘습니다.`],
    ['another input size', refusal({ inputSize: [32, 32] }), `${FILE}에는 입력 크기가 32x32(으)로 적혀 있지만 모델의 입력은 28x28입니다.`],
    ['other channels', refusal({ channels: 3 }), `${FILE}에는 색 채널이 3개로 적혀 있지만 모델의 입력은 1채널입니다.`],
    ['too few labels', refusal({ labels: ['a', 'b'] }), `${FILE}에는 클래스가 2개 적혀 있지만 모델의 출력은 3개입니다.`],
    ['a side over the schema limit', refusal({ inputSize: [16000, 28] }), `${FILE}의 모델 설명이 올바르지 않습니다(inputSize.0: 4096 이하여야 합니다).`],
    [
      'an unknown preprocessing',
      refusal({ preprocessing: 'magic' }),
      /^…\/tiny\/classifier-studio\.json의 모델 설명이 올바르지 않습니다\(preprocessing: tf, caffe, [^)]* 중 하나여야 합니다\)\.$/,
    ],
    ['a list where an object goes', refusal([1, 2]), `${FILE}의 모델 설명이 올바르지 않습니다(classifier-studio.json: 형식이 맞지 않습니다).`],
  ])('%s', async (_what, err, korean) => {
    const ko = (await windowWords('ko')).error(err);
    if (typeof korean === 'string') expect(ko).toBe(korean);
    else expect(ko).toMatch(korean);
    expect(ko.replaceAll(FILE, '')).not.toMatch(ENGLISH);
    expect((await windowWords('en')).error(err)).not.toMatch(HANGUL);
  });

  it('words a metadata file that is not JSON, and a transfer model without its backbone', async () => {
    // As core/zoo/load.ts and core/store/export-model.ts make them (test/untrusted-metadata.test.ts checks they do).
    expect((await windowWords('ko')).error(sent(new CodedError('model-meta-not-json', 'x', { file: FILE })))).toBe(
      `${FILE}이(가) 올바른 JSON이 아니어서 이 파일이 설명하는 모델을 쓸 수 없습니다.`,
    );
    expect((await windowWords('ko')).error(sent(new CodedError('model-backbone-missing', 'x', { name: 'pets', backbone: 'alexnet' })))).toBe(
      '"pets" 모델은 alexnet 백본으로 학습했는데, 모델 모음(zoo)에 그 백본이 없습니다.',
    );
  });
});
