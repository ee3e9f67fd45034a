// @vitest-environment happy-dom
// A request main refuses before running it (a payload the contract does not take, a path the user
// did not choose) reaches the window coded, and the window words it in the user's language, each
// refused field named with what is wrong with it. Main's real answer() and contract schemas.
import { describe, expect, it } from 'vitest';
import { errorMessageOf, OPTIMIZERS, RecognizeRequest, TrainRequest } from '../../src-main/contract.ts';
import { answer } from '../../src-main/electron/requests.ts';
import { CodedError } from '../../src-main/shared/errors.ts';
import { ENGLISH, HANGUL, sent, windowWords } from './window-words.ts';

/** The error the renderer catches for `payload` sent to a request of `schema`. */
async function refused(schema: typeof TrainRequest | typeof RecognizeRequest, payload: unknown, run: () => unknown = () => null): Promise<Error> {
  const reply = await answer({ schema, run }, payload);
  if (reply.ok) throw new Error('it should be refused');
  return new Error(errorMessageOf(reply));
}

const form = { runId: 'r', dataset: 'mnist', network: 'lenet5', optimizer: 'adam', learningRate: 0.001, validationSplit: 0.2 };

describe('refused requests in the user language', () => {
  it('names each refused field with its limit, in Korean and in English', async () => {
    const err = await refused(TrainRequest, { ...form, epochs: 5000, learningRate: 0, dropout: 1, optimizer: 'nope', extra: 1 });
    const ko = (await windowWords('ko')).error(err);
    expect(ko).toMatch(/^창이 앱이 받지 않는 요청을 보냈습니다\(/);
    expect(ko).toContain('epochs: 1000 이하여야 합니다');
    expect(ko).toContain('learningRate: 0보다 커야 합니다');
    expect(ko).toContain('dropout: 1보다 작아야 합니다');
    expect(ko).toContain(`optimizer: ${OPTIMIZERS.join(', ')} 중 하나여야 합니다`);
    expect(ko).toContain('extra: 이 요청에 없는 항목입니다');
    expect(ko).not.toMatch(ENGLISH);
    const en = (await windowWords('en')).error(err);
    expect(en).toContain('epochs: must be at most 1000');
    expect(en).toContain('extra: not a field of this request');
    expect(en).not.toMatch(HANGUL);
  });

  it('words a payload of the wrong type and one that is no request at all', async () => {
    expect((await windowWords('ko')).error(await refused(TrainRequest, { ...form, epochs: 'many' }))).toContain('epochs: 숫자여야 합니다');
    // The whole payload wrong: the field is "the request".
    expect((await windowWords('ko')).error(await refused(TrainRequest, 42))).toContain('(요청: 형식이 맞지 않습니다)');
    expect((await windowWords('en')).error(await refused(RecognizeRequest, { image: '', model: 'mobilenet' }))).toContain('image: ');
  });

  it("falls back to main's English details when the issue list cannot be read", async () => {
    const err = new CodedError('bad-request', 'bad request: x: y', { issues: 'x: y', issueList: 'not json' });
    const ko = (await windowWords('ko')).error(sent(err));
    expect(ko).toBe('창이 앱이 받지 않는 요청을 보냈습니다(x: y). 앱을 다시 시작하세요. 다시 일어나면 버그입니다.');
  });

  it('words a path the user did not choose in Korean', async () => {
    const err = await refused(RecognizeRequest, { image: '/etc/passwd', model: 'mobilenet' }, async () => {
      throw new CodedError('file-not-chosen', 'That file was not chosen by the user.');
    });
    expect((await windowWords('ko')).error(err)).toBe('사용자가 고른 파일이 아닙니다.');
    expect((await windowWords('en')).error(err)).toBe('That file was not chosen by the user.');
  });
});
