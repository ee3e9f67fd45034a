// A download that fails (core/downloads/download.ts) and a zoo file imported that is not the
// catalogue's (copy-verified.ts, digest.ts) reach the window coded, and the window words them in
// the user's language, naming the file and the sizes: no English sentence in Korean, no path of
// main's in either. The failures are real: downloadFile against a server on the loopback (its own
// bytes, not ../shared's), a port nobody listens on, a server that never stops, the zoo import.
// Node's environment, for main's own fetch (happy-dom's would stand in for it): the window's
// words come from its composable run in a server-side render, with no DOM.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downloadFile, partFileOf } from '../../src-main/core/downloads/download.ts';
import { importModelFiles } from '../../src-main/core/zoo/import.ts';
import { startFileServer } from '../helpers/file-server.ts';
import { expectWorded, failure } from './window-words.ts';

/** A server that sends `chunk` bytes for ever, with these headers. */
const endless =
  (chunk: number, headers: Record<string, string> = {}): typeof fetch =>
  async () =>
    new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(chunk)) }), { status: 200, headers });

describe('failed downloads and imports in the user language', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cs-dl-ko-'));
  const served = path.join(root, 'served');
  await mkdir(path.join(served, 'net'), { recursive: true });
  const bytes = Buffer.alloc(200_000, 7);
  await writeFile(path.join(served, 'net', 'weights.bin'), bytes);
  const server = await startFileServer(served);
  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  const url = `${server.base}net/weights.bin`;
  const host = new URL(server.base).host;
  const file = { path: 'net/weights.bin', size: bytes.length };
  let n = 0;
  /** A fresh destination each time: nothing left from the last one. */
  const dest = async () => {
    const d = path.join(root, `cache-${n++}`, 'net', 'weights.bin');
    await mkdir(path.dirname(d), { recursive: true });
    return d;
  };

  const interruptedAt = async () => {
    server.cutNextAfter = 50_000;
    return failure(downloadFile(url, await dest(), file));
  };
  const rangeRefused = async () => {
    const d = await dest();
    await writeFile(partFileOf(d), Buffer.alloc(bytes.length + 10));
    return failure(downloadFile(url, d, { path: file.path }));
  };
  const zooImport = async (content: Buffer) => {
    const from = path.join(root, `labels-${n++}`, 'imagenet_class_index.json');
    await mkdir(path.dirname(from), { recursive: true });
    await writeFile(from, content);
    return failure(importModelFiles('imagenet', from, { cacheDir: path.join(root, 'zoo-cache') }));
  };

  const cases: [string, Error, string, string][] = [
    [
      'no connection',
      // Port 1 on the loopback: nothing listens there, the connection is refused.
      await failure(downloadFile('http://127.0.0.1:1/net/weights.bin', await dest(), file)),
      'net/weights.bin을(를) 내려받으려고 127.0.0.1:1에 연결하지 못했습니다.',
      'Could not reach 127.0.0.1:1 to download net/weights.bin.',
    ],
    [
      'an HTTP error',
      await failure(downloadFile(`${server.base}net/gone.bin`, await dest(), file)),
      `${host}이(가) net/weights.bin을(를) 보내 주지 않았습니다(HTTP 404).`,
      `${host} did not serve net/weights.bin (HTTP 404).`,
    ],
    [
      'an interrupted transfer',
      await interruptedAt(),
      'net/weights.bin을(를) 받다가 50,000바이트에서 끊겼습니다.',
      'The download of net/weights.bin was interrupted after 50,000 bytes;',
    ],
    ['a refused range', await rangeRefused(), `${host}이(가) net/weights.bin의 이어받기를 거부해서`, `${host} would not resume the download of net/weights.bin,`],
    [
      'a file bigger than the catalogue says',
      await failure(downloadFile(url, await dest(), { ...file, size: 1000 })),
      'net/weights.bin의 크기가 200,000바이트로 예상한 1,000바이트보다 커서',
      'net/weights.bin would be 200,000 bytes, more than the 1,000 bytes expected',
    ],
    [
      'a server that does not stop',
      await failure(downloadFile('http://endless.invalid/x', await dest(), file, { fetch: endless(64 * 1024) })),
      'net/weights.bin이(가) 예상한 200,000바이트를 넘어 계속 들어와서',
      'The download of net/weights.bin went on past the 200,000 bytes expected',
    ],
    [
      'a transfer that ends short',
      await failure(
        downloadFile('http://short.invalid/x', await dest(), file, { fetch: async () => new Response(new Uint8Array(10), { headers: { 'content-length': '200000' } }) }),
      ),
      'net/weights.bin을(를) 200,000바이트 중 10바이트만 받고 끝났습니다.',
      'The download of net/weights.bin ended after 10 of 200,000 bytes;',
    ],
    [
      'another size than the catalogue’s',
      await failure(downloadFile(url, await dest(), { ...file, size: 300_000 })),
      '내려받은 net/weights.bin이(가) 공개된 파일이 아닙니다(200,000바이트, 예상 300,000바이트).',
      'The download of net/weights.bin is not the published file (200,000 bytes, expected 300,000)',
    ],
    [
      'another digest than the catalogue’s',
      await failure(downloadFile(url, await dest(), { ...file, sha256: '0'.repeat(64) })),
      '내려받은 net/weights.bin이(가) 공개된 파일이 아닙니다(sha256 다이제스트가 다릅니다).',
      'The download of net/weights.bin is not the published file (its sha256 digest differs)',
    ],
    [
      'a zoo file of another size imported',
      await zooImport(Buffer.from('{}')),
      '“imagenet_class_index.json”은(는) 공개된 파일이 아닙니다(2바이트, 예상 35,366바이트).',
      '“imagenet_class_index.json” is not the published file (2 bytes, expected 35,366): nothing was imported.',
    ],
    [
      'a zoo file of the right size but other bytes imported',
      await zooImport(Buffer.alloc(35_366, 32)),
      '“imagenet_class_index.json”은(는) 공개된 파일이 아닙니다(sha256 다이제스트가 카탈로그와 다릅니다).',
      '“imagenet_class_index.json” is not the published file (its sha256 digest differs',
    ],
  ];

  it.each(cases)('%s: coded, Korean without an English sentence', async (_what, err, korean, english) => {
    await expectWorded(err, korean, english, root);
  });

  it('keeps the CLI its English, with the URL and what was kept', () => {
    const [, interrupted] = cases[2]!;
    expect(interrupted.message).toMatch(new RegExp(`^The download of ${url.replace(/[.]/g, '\\.')} was interrupted after 50000 of 200000 bytes .*\\.part is kept`));
  });
});
