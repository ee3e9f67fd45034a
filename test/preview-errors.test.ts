// The app's preview of a picture that cannot be shown says what is wrong with it, naming the file,
// as the CLI does, rather than sharp's "Input file contains unsupported image format".
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../src-main/shared/errors.ts';
import { previewImage } from '../src-main/service/images.ts';
import { tempDir } from './helpers/shared.ts';

describe('previewImage on a bad file', () => {
  it('names the file and says what is wrong: not an image, truncated, empty', async () => {
    const dir = await tempDir('cs-preview-');
    const text = path.join(dir, 'notes.jpg');
    await writeFile(text, 'this is not a picture');
    await expect(previewImage(text)).rejects.toThrow(/notes\.jpg: not an image, or not in a known format/);
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#c84' } })
      .jpeg()
      .toBuffer();
    const cut = path.join(dir, 'cut.jpg');
    await writeFile(cut, jpeg.subarray(0, 200));
    await expect(previewImage(cut)).rejects.toThrow(/cut\.jpg: the file is truncated or corrupt/);
    await expect(previewImage(new Uint8Array(0), 100, 'dropped.png')).rejects.toThrow(/dropped\.png: the file is empty/);
  });

  it("is a coded error naming the file by its base name, so the window says it in the user's language", async () => {
    const dir = await tempDir('cs-preview-');
    const text = path.join(dir, 'notes.jpg');
    await writeFile(text, 'this is not a picture');
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => errorCodeOf(e),
      );
    expect(await codeOf(previewImage(text))).toEqual({ code: 'image-not-an-image', params: { file: 'notes.jpg' } });
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#c84' } })
      .jpeg()
      .toBuffer();
    const cut = path.join(dir, 'cut.jpg');
    await writeFile(cut, jpeg.subarray(0, 200));
    expect(await codeOf(previewImage(cut))).toEqual({ code: 'image-truncated', params: { file: 'cut.jpg' } });
    const bmp = path.join(dir, 'old.bmp');
    await writeFile(bmp, Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]));
    expect(await codeOf(previewImage(bmp))).toEqual({ code: 'image-unsupported', params: { file: 'old.bmp', format: 'BMP' } });
    // Not there: read by the preview first, and still said as the decoder says it.
    expect(await codeOf(previewImage(path.join(dir, 'gone.png')))).toEqual({ code: 'image-unreadable', params: { file: 'gone.png', reason: 'ENOENT', reasonCode: 'ENOENT' } });
    const big = await sharp({ create: { width: 12_000, height: 9_000, channels: 3, background: '#000' } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    expect(await codeOf(previewImage(big, 100, 'huge.png'))).toEqual({ code: 'image-too-large', params: { file: 'huge.png', size: '12000×9000 px', limit: '100 MP' } });
  });
});
