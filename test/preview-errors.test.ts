// The app's preview of a picture that cannot be shown says what is wrong with it, naming the file,
// as the CLI does, rather than sharp's "Input file contains unsupported image format".
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { previewImage } from '../src-main/service/images.ts';
import { tempDir } from './helpers/shared.ts';

describe('previewImage on a bad file', () => {
  it('names the file and says what is wrong: not an image, truncated, empty', async () => {
    const dir = await tempDir('cs-preview-');
    const text = path.join(dir, 'notes.jpg');
    await writeFile(text, 'this is not a picture');
    await expect(previewImage(text)).rejects.toThrow(/notes\.jpg: not an image, or not in a known format/);
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#c84' } }).jpeg().toBuffer();
    const cut = path.join(dir, 'cut.jpg');
    await writeFile(cut, jpeg.subarray(0, 200));
    await expect(previewImage(cut)).rejects.toThrow(/cut\.jpg: the file is truncated or corrupt/);
    await expect(previewImage(new Uint8Array(0), 100, 'dropped.png')).rejects.toThrow(/dropped\.png: the file is empty/);
  });
});
