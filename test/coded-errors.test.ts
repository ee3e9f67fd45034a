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
import { SKIP_REASONS } from '../src-main/shared/skip-reasons.ts';

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

describe("the chooser's skip reasons", () => {
  it('every reason has its words in English and Korean, as the compute devices dialog words it', () => {
    for (const reason of SKIP_REASONS) {
      expect(en.compute.reasons[reason], reason).toBeTruthy();
      expect(ko.compute.reasons[reason], reason).toBeTruthy();
      expect(ko.compute.reasons[reason]).not.toBe(en.compute.reasons[reason]);
    }
  });
});
