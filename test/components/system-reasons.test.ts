// @vitest-environment happy-dom
// A system error inside a coded error or a log line (its {reason}) is worded in the user's
// language from its code: a Korean sentence never holds Node's English ("ENOENT: no such file or
// directory, open '…'"). The errors are real: a missing file, a folder read as a file.
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src-main/core/images/decode.ts';
import { CodedError, errorCodeOf, reasonOf } from '../../src-main/shared/errors.ts';
import { logFailure, skippedLine } from '../../src-main/shared/log-messages.ts';
import { skippedFile } from '../../src-main/shared/errors.ts';
import { failure, sent, windowWords } from './window-words.ts';

const NODE_ENGLISH = /no such file|illegal operation|ENOENT:|EISDIR:/;

describe('system reasons in the user language', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cs-reasons-'));
  const missing = path.join(dir, 'gone.jpg');
  const enoent = await failure(readFile(missing));
  const eisdir = await failure(readFile(dir));

  it('knows the code of a real system error, keeping its message for the CLI', () => {
    expect(reasonOf(enoent)).toEqual({ reason: (enoent as Error).message, reasonCode: 'ENOENT' });
    expect(reasonOf(eisdir)).toMatchObject({ reasonCode: 'EISDIR' });
    expect(reasonOf(new Error('plain'))).toEqual({ reason: 'plain' });
  });

  it('words a picture that cannot be read for a system reason', async () => {
    const err = await failure(decodeImage(missing));
    expect(errorCodeOf(err)).toEqual({ code: 'image-unreadable', params: { file: 'gone.jpg', reason: 'ENOENT', reasonCode: 'ENOENT' } });
    // As it reaches the window: through IPC, code and values in the message.
    expect((await windowWords('ko')).error(sent(err))).toBe('“gone.jpg” 파일을 읽을 수 없습니다 (파일이나 폴더가 없습니다).');
    expect((await windowWords('en')).error(sent(err))).toBe('“gone.jpg” cannot be read (no such file or folder).');
  });

  it('words an export that failed on the disk, and log lines whose reason is a system error', async () => {
    const ko = await windowWords('ko');
    const exported = new CodedError('export-failed', `The model "m" could not be exported as h5: ${(enoent as Error).message}`, {
      name: 'm',
      format: 'h5',
      ...reasonOf(enoent),
    });
    const text = ko.error({ message: exported.message, coded: errorCodeOf(exported) });
    expect(text).toBe('"m" 모델을 h5 형식으로 내보내지 못했습니다: 파일이나 폴더가 없습니다');
    const failed = ko.log(logFailure('training-failed', {}, eisdir));
    expect(failed).toBe('학습 실패: 파일이 있어야 할 곳에 폴더가 있습니다');
    expect(ko.log(skippedLine(skippedFile('a.jpg', enoent)))).toBe('a.jpg 건너뜀: 파일이나 폴더가 없습니다');
    for (const t of [text, failed]) expect(t).not.toMatch(NODE_ENGLISH);
    // The CLI's English keeps Node's own message.
    expect(logFailure('training-failed', {}, eisdir).message).toMatch(/^training failed: EISDIR: illegal operation on a directory/);
  });
});
