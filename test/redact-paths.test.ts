// Error text for the window: main's absolute paths cut to their last part, the user's kept whole.
import { describe, expect, it } from 'vitest';
import { redactLogEvent, redactPaths } from '../src-main/electron/redact-paths.ts';
import { logLine, word } from '../src-main/shared/log-messages.ts';

describe('redactPaths', () => {
  it("cuts main's absolute paths, quoted (with spaces) or bare", () => {
    expect(redactPaths(`ENOENT: no such file or directory, open '/home/u/Library/Application Support/cs/models/x/model.json'`)).toBe(
      `ENOENT: no such file or directory, open '…/model.json'`,
    );
    expect(redactPaths('Could not load /opt/app/resources/models.json: bad JSON')).toBe('Could not load …/models.json: bad JSON');
    expect(redactPaths('EISDIR: illegal operation on a directory, read "/srv/work"')).toBe('EISDIR: illegal operation on a directory, read "…/work"');
    expect(redactPaths('no weights at C:\\Users\\ann\\AppData\\Roaming\\cs\\x.bin.')).toBe('no weights at …/x.bin.');
    expect(redactPaths('share \\\\server\\models\\a.h5 is gone')).toBe('share …/a.h5 is gone');
    expect(redactPaths('fetch file:///tmp/x/y.json failed')).toBe('fetch …/y.json failed');
    expect(redactPaths('(/a/b/c) and [/d/e]')).toBe('(…/c) and […/e]');
  });

  it('leaves URLs, relative paths and plain text alone', () => {
    for (const text of ['see https://example.com/a/b', 'models/x.json is missing', 'a/b or c', 'loss 0.5/epoch', 'top-1 = 3 / 5', 'use letters, digits, spaces, dots']) {
      expect(redactPaths(text)).toBe(text);
    }
  });

  it('keeps paths the user chose, and what lies inside a chosen folder, even with spaces', () => {
    const keep = ['/home/ann/My Photos', '/home/ann/cat.jpg'];
    expect(redactPaths('cannot decode /home/ann/My Photos/dog 1.jpg: corrupt', keep)).toBe('cannot decode /home/ann/My Photos/dog 1.jpg: corrupt');
    expect(redactPaths(`open '/home/ann/cat.jpg'.`, keep)).toBe(`open '/home/ann/cat.jpg'.`);
    // A sibling whose name only starts like a chosen path is not chosen.
    expect(redactPaths('read /home/ann/cat.jpgx and /home/ann/My Photos2/z', keep)).toBe('read …/cat.jpgx and …/My Photos2/z');
    expect(redactPaths('model /opt/cs/m.h5 on /home/ann/cat.jpg', keep)).toBe('model …/m.h5 on /home/ann/cat.jpg');
  });
});

describe('redactLogEvent', () => {
  it('sends log lines to the window with file names, not absolute paths, in their text and values', () => {
    const line = logLine('skipped-file', { file: '/home/ann/pets/cat/3.jpg', reason: "ENOENT: no such file or directory, open '/home/ann/pets/cat/3.jpg'" });
    const sent = redactLogEvent({ type: 'training', runId: 'r', event: { event: 'log', ...line } });
    expect(sent).toEqual({
      type: 'training',
      runId: 'r',
      event: {
        event: 'log',
        code: 'skipped-file',
        params: { file: '3.jpg', reason: "ENOENT: no such file or directory, open '3.jpg'" },
        message: "skipped 3.jpg: ENOENT: no such file or directory, open '3.jpg'",
      },
    });
    const bar = redactLogEvent({ type: 'log', level: 'info', time: 't', ...logLine('model-loaded', { model: 'mobilenet', source: 'mirror: /srv/mirror/mobilenet/model.json' }) });
    expect(bar).toMatchObject({ params: { model: 'mobilenet', source: 'mirror: model.json' }, message: 'loaded mobilenet from mirror: model.json' });
    // A folder by its bare name, with or without a trailing slash, a Windows one too; the app's words travel on.
    const held = redactLogEvent({ type: 'log', level: 'info', time: 't', ...logLine('held-out', { dataset: '/home/ann/My pets/', count: 3, percent: 20, min: 5 }) });
    expect(held).toMatchObject({ params: { dataset: 'My pets' } });
    expect((held as { message: string }).message).toMatch(/^My pets has no test\/ folder/);
    const win = redactLogEvent({ type: 'log', level: 'info', time: 't', ...logLine('model-loaded-via', { model: 'm', via: word('cache'), file: 'C:\\cs\\cache\\model.json' }) });
    expect(win).toMatchObject({ params: { file: 'model.json', via: 'cache' }, words: { via: 'cache' }, message: 'loaded m from cache: model.json' });
    const other = { type: 'download', file: '/a/b', received: 1 } as const;
    expect(redactLogEvent(other)).toBe(other);
  });
});
