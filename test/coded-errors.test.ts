// Coded errors reach the window with their code (Electron's bridge keeps only an error's
// message), and the window shows them in its language.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorMessageOf, readError } from '../src-main/contract.ts';
import { answer } from '../src-main/electron/requests.ts';
import { CodedError } from '../src-main/shared/errors.ts';
import en from '../src-renderer/src/locales/en.ts';
import ko from '../src-renderer/src/locales/ko.ts';
import { ERROR_CODES } from '../src-main/shared/errors.ts';
import { COMPUTE_NOTICE_CODES, fellBackNotice, SKIP_REASONS } from '../src-main/shared/compute-notices.ts';

describe('coded errors over IPC', () => {
  it('answer() keeps the code and values; the message carries them through the bridge and back', async () => {
    const reply = await answer(
      {
        schema: z.undefined(),
        run: () => {
          throw new CodedError('model-exists', 'A model called "dup" already exists.', { name: 'dup' });
        },
      },
      undefined,
    );
    expect(reply).toEqual({ ok: false, error: 'A model called "dup" already exists.', code: 'model-exists', params: { name: 'dup' } });
    if (reply.ok) return;
    const crossed = new Error(errorMessageOf(reply)); // what the renderer catches
    expect(readError(crossed)).toEqual({ message: 'A model called "dup" already exists.', code: 'model-exists', params: { name: 'dup' } });
  });

  it('a plain error stays plain', async () => {
    const reply = await answer(
      {
        schema: z.undefined(),
        run: () => {
          throw new Error('no such file');
        },
      },
      undefined,
    );
    expect(reply).toEqual({ ok: false, error: 'no such file' });
    if (!reply.ok) expect(readError(new Error(errorMessageOf(reply)))).toEqual({ message: 'no such file', params: {} });
  });

  it('every code has its words in English and Korean', () => {
    for (const code of ERROR_CODES) {
      expect(en.errors[code], code).toBeTruthy();
      expect(ko.errors[code], code).toBeTruthy();
      expect(ko.errors[code]).not.toBe(en.errors[code]);
    }
  });
});

describe('compute notices', () => {
  it('every code has its words in English and Korean, with the values the English message uses', () => {
    for (const code of COMPUTE_NOTICE_CODES) {
      expect(en.compute[code], code).toBeTruthy();
      expect(ko.compute[code], code).toBeTruthy();
      expect(ko.compute[code]).not.toBe(en.compute[code]);
    }
    const lost = { from: 'webgl', to: 'wasm' as const, reason: 'the WebGL context was lost', atEpoch: 3 };
    const fromBest = fellBackNotice({ ...lost, resumeAfter: 2 });
    expect(fromBest).toMatchObject({ code: 'fell-back', params: { from: 'webgl', reason: 'the WebGL context was lost', epoch: 3, best: 2 } });
    expect(fromBest.message).toBe('Fell back to wasm: the WebGL context was lost (webgl, epoch 3); the run goes on from the best epoch so far (2).');
    expect(fellBackNotice({ ...lost, resumeAfter: 0 }).code).toBe('fell-back-start');
    // Why a backend lost, as the compute devices dialog words it.
    for (const reason of SKIP_REASONS) {
      expect(en.compute.reasons[reason], reason).toBeTruthy();
      expect(ko.compute.reasons[reason], reason).toBeTruthy();
    }
    // Every {value} the locales name is one the notice carries.
    for (const text of [en.compute['fell-back'], ko.compute['fell-back']]) {
      for (const [, name] of text.matchAll(/\{(\w+)\}/g)) expect(fromBest.params, name).toHaveProperty(name!);
    }
  });
});
