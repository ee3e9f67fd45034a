import { readdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, DEFAULT_PIXEL_LIMIT, ImageDecodeError, toFloat32, type DecodedImage } from '../src-main/core/images/decode.ts';
import { imagenetDevDir, tempDir } from './helpers/shared.ts';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('cs-images-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const RED = [255, 0, 0];
const BLUE = [0, 0, 255];

/** Raw RGB picture: left half red, right half blue (optionally with one marker pixel). */
function redBlue(w: number, h: number): Buffer {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) raw.set(x < w / 2 ? RED : BLUE, (y * w + x) * 3);
  }
  return raw;
}
const fromRaw = (raw: Buffer, width: number, height: number, channels: 1 | 3 | 4 = 3) => sharp(raw, { raw: { width, height, channels } });

function px(img: DecodedImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * img.channels;
  return [...img.data.subarray(i, i + img.channels)];
}
function expectClose(actual: number[], expected: number[], tol: number) {
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]), `${actual} vs ${expected}`).toBeLessThanOrEqual(tol));
}
async function write(name: string, data: Buffer | string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, data);
  return file;
}
async function decodeError(p: Promise<unknown>): Promise<ImageDecodeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageDecodeError);
  return err as ImageDecodeError;
}

describe('decodeImage formats', () => {
  const formats = [
    ['jpg', (s: Sharp) => s.jpeg({ quality: 90 }), 12],
    ['png', (s: Sharp) => s.png(), 0],
    ['webp', (s: Sharp) => s.webp({ quality: 90 }), 12],
    ['gif', (s: Sharp) => s.gif(), 2],
    // sharp's TIFF default is JPEG-in-TIFF; LZW keeps the check exact.
    ['tiff', (s: Sharp) => s.tiff({ compression: 'lzw' }), 0],
    ['avif', (s: Sharp) => s.avif({ quality: 80 }), 20],
  ] as const;
  for (const [ext, encode, tol] of formats) {
    it(`decodes ${ext} to RGB with the right colours`, async () => {
      const file = await write(`rb.${ext}`, await encode(fromRaw(redBlue(64, 48), 64, 48)).toBuffer());
      const img = await decodeImage(file);
      expect([img.width, img.height, img.channels]).toEqual([64, 48, 3]);
      expect(img.data.length).toBe(64 * 48 * 3);
      expect(img.original).toEqual({ width: 64, height: 48, format: ext === 'jpg' ? 'jpeg' : ext });
      for (const y of [2, 24, 45]) {
        expectClose(px(img, 8, y), RED, tol);
        expectClose(px(img, 56, y), BLUE, tol);
      }
    });
  }

  it('takes only the first frame of an animated GIF', async () => {
    const frames = Buffer.concat([Buffer.alloc(20 * 10 * 3, 0), Buffer.alloc(20 * 10 * 3, 255)]);
    const gif = await sharp(frames, { raw: { width: 20, height: 20, channels: 3, pageHeight: 10 } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const img = await decodeImage(gif, {}, 'two-frames.gif');
    expect([img.width, img.height]).toEqual([20, 10]);
    expect(Math.max(...img.data)).toBeLessThan(10);
  });
});

describe('decodeImage conversions', () => {
  it('applies EXIF orientation', async () => {
    const raw = Buffer.alloc(40 * 20 * 3, 0);
    raw.set([255, 255, 255], 0); // white marker at top-left (0,0)
    const file = await write('rot.jpg', await fromRaw(raw, 40, 20).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer());
    const img = await decodeImage(file);
    expect([img.width, img.height]).toEqual([20, 40]);
    expect(img.original).toMatchObject({ width: 20, height: 40 });
    // Orientation 6 = rotate 90° clockwise to display: top-left goes to top-right.
    expect(px(img, 19, 0)[0]).toBeGreaterThan(150);
    expect(px(img, 0, 0)[0]).toBeLessThan(60);
  });

  it('flattens transparency onto white', async () => {
    const raw = Buffer.alloc(10 * 10 * 4);
    for (let i = 0; i < 100; i++) raw.set(i % 10 < 5 ? [255, 0, 0, 255] : [0, 0, 255, 0], i * 4);
    const img = await decodeImage(await fromRaw(raw, 10, 10, 4).png().toBuffer());
    expect(img.channels).toBe(3);
    expect(px(img, 2, 5)).toEqual(RED);
    expect(px(img, 8, 5)).toEqual([255, 255, 255]);
  });

  it('expands a greyscale PNG to three equal channels', async () => {
    const raw = Buffer.alloc(16 * 8);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7) % 256;
    const png = await fromRaw(raw, 16, 8, 1).toColourspace('b-w').png().toBuffer();
    expect((await sharp(png).metadata()).channels).toBe(1);
    const img = await decodeImage(png);
    expect(img.channels).toBe(3);
    for (let i = 0; i < 16 * 8; i++) expect(px(img, i % 16, Math.floor(i / 16))).toEqual([raw[i], raw[i], raw[i]]);
    const grey = await decodeImage(png, { channels: 1 });
    expect([...grey.data]).toEqual([...raw]);
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    // Colours inside the CMYK gamut: pure sRGB blue cannot survive a trip through a print profile.
    const orange = [200, 120, 60];
    const steel = [70, 110, 160];
    const raw = Buffer.alloc(32 * 16 * 3);
    for (let i = 0; i < 32 * 16; i++) raw.set(i % 32 < 16 ? orange : steel, i * 3);
    const jpg = await fromRaw(raw, 32, 16).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(jpg).metadata()).space).toBe('cmyk');
    const img = await decodeImage(jpg);
    expect(img.channels).toBe(3);
    expectClose(px(img, 4, 8), orange, 30);
    expectClose(px(img, 28, 8), steel, 30);
  });

  it('reduces a 16-bit PNG to 8 bits', async () => {
    const png = await fromRaw(redBlue(8, 4), 8, 4).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png).metadata()).depth).toBe('ushort');
    const img = await decodeImage(png);
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(px(img, 0, 0)).toEqual(RED);
    expect(px(img, 7, 3)).toEqual(BLUE);
  });

  it('resizes to exactly the requested size with no crop', async () => {
    const file = await write('wide.png', await fromRaw(redBlue(100, 50), 100, 50).png().toBuffer());
    for (const resize of ['bilinear', 'area'] as const) {
      const img = await decodeImage(file, { width: 224, height: 224, resize });
      expect([img.width, img.height, img.channels]).toEqual([224, 224, 3]);
      for (let y = 0; y < 224; y += 1) {
        expect(px(img, 0, y)).toEqual(RED);
        expect(px(img, 223, y)).toEqual(BLUE);
      }
    }
  });

  it('crop scales the shorter side and keeps the middle', async () => {
    // 300x100: red, green, blue thirds. Cropped to a square, only the green middle is left.
    const raw = Buffer.alloc(300 * 100 * 3);
    for (let y = 0; y < 100; y++) for (let x = 0; x < 300; x++) raw.set(x < 100 ? RED : x < 200 ? [0, 255, 0] : BLUE, (y * 300 + x) * 3);
    const img = await decodeImage(await fromRaw(raw, 300, 100).png().toBuffer(), { width: 50, height: 50, fit: 'crop' });
    expect([img.width, img.height]).toEqual([50, 50]);
    for (const [x, y] of [
      [5, 5],
      [44, 44],
      [25, 10],
      [10, 40],
    ] as const)
      expect(px(img, x, y)).toEqual([0, 255, 0]);
    // At the cut, the bilinear filter may borrow a little of the neighbours, never much.
    for (const y of [0, 25, 49]) for (const x of [0, 49]) expect(px(img, x, y)[1]).toBeGreaterThan(200);
  });

  // A 6x4 grey picture, values worked out by hand below (v(x, y) = 10x + 60y + 5, all distinct).
  const grid6x4 = () => Buffer.from(Array.from({ length: 24 }, (_, i) => 10 * (i % 6) + 60 * Math.floor(i / 6) + 5));
  const grey = async (raw: Buffer, w: number, h: number) => fromRaw(raw, w, h, 1).toColourspace('b-w').png().toBuffer();

  it('squash and crop of a 6x4 picture to 2x2 (area filter) are the hand-computed block means', async () => {
    const png = await grey(grid6x4(), 6, 4);
    // Squash: each output pixel is the mean of a 3x2 block: columns 0-2 | 3-5, rows 0-1 | 2-3.
    // Block (0,0): x 0..2, y 0..1: mean 10*1 + 60*0.5 + 5 = 45; (1,0): 10*4 + 30 + 5 = 75; the
    // lower row adds 60*2 = 120: 165, 195.
    const squash = await decodeImage(png, { width: 2, height: 2, channels: 1, resize: 'area', fit: 'squash' });
    expect([...squash.data]).toEqual([45, 75, 165, 195]);
    // Crop: the centre 4x4 (columns 1-4), then 2x2 blocks: columns 1-2 | 3-4, mean x 1.5 | 3.5:
    // 10*1.5 + 30 + 5 = 50, 10*3.5 + 35 = 70; the lower row 170, 190.
    const crop = await decodeImage(png, { width: 2, height: 2, channels: 1, resize: 'area', fit: 'crop' });
    expect([...crop.data]).toEqual([50, 70, 170, 190]);
  });

  it('crop (bilinear) of a 6x4 picture to 4x4 keeps columns 1-4 exactly, and of a 4x6 one rows 1-4', async () => {
    const wide = await decodeImage(await grey(grid6x4(), 6, 4), { width: 4, height: 4, channels: 1, fit: 'crop' });
    // The shorter side is already 4: nothing is resampled, the centre is cut out.
    expect([...wide.data]).toEqual([0, 1, 2, 3].flatMap((y) => [1, 2, 3, 4].map((x) => 10 * x + 60 * y + 5)));
    const tallRaw = Buffer.from(Array.from({ length: 24 }, (_, i) => 10 * (i % 4) + 40 * Math.floor(i / 4) + 5));
    const tall = await decodeImage(await grey(tallRaw, 4, 6), { width: 4, height: 4, channels: 1, fit: 'crop' });
    expect([...tall.data]).toEqual([1, 2, 3, 4].flatMap((y) => [0, 1, 2, 3].map((x) => 10 * x + 40 * y + 5)));
    // Squash of the same picture keeps every column, blended: the left edge stays the left edge.
    const squashed = await decodeImage(await grey(grid6x4(), 6, 4), { width: 4, height: 4, channels: 1, fit: 'squash' });
    expect(squashed.data[0]).toBeLessThan(wide.data[0]!);
  });

  it('area resize averages whole blocks', async () => {
    const raw = Buffer.alloc(4 * 2);
    raw.set([0, 100, 200, 40, 20, 60, 0, 255]);
    const png = await fromRaw(raw, 4, 2, 1).toColourspace('b-w').png().toBuffer();
    const img = await decodeImage(png, { width: 2, height: 1, channels: 1, resize: 'area' });
    expect([...img.data]).toEqual([Math.round((0 + 100 + 20 + 60) / 4), Math.round((200 + 40 + 0 + 255) / 4)]);
    expect(toFloat32(img)).toEqual(Float32Array.from([45, 124]));
  });

  it('inverts a dark digit on a light background for MNIST-style input', async () => {
    const raw = Buffer.alloc(28 * 28, 255);
    for (let y = 6; y < 22; y++) raw.fill(0, y * 28 + 12, y * 28 + 16); // a black "1"
    const png = await fromRaw(raw, 28, 28, 1).toColourspace('b-w').png().toBuffer();
    const img = await decodeImage(png, { channels: 1, invertLightBackground: true });
    expect([img.width, img.height, img.channels]).toEqual([28, 28, 1]);
    expect(img.data[0]).toBe(0);
    expect(img.data[14 * 28 + 14]).toBe(255);
    // Already white-on-black: left alone.
    const again = await decodeImage(
      Buffer.from(
        await sharp(Buffer.from(img.data), { raw: { width: 28, height: 28, channels: 1 } })
          .png()
          .toBuffer(),
      ),
      { channels: 1, invertLightBackground: true },
    );
    expect([...again.data]).toEqual([...img.data]);
  });
});

describe('decodeImage errors', () => {
  it('reports a truncated JPEG and PNG, naming the file', async () => {
    const photo = await sharp(redBlue(300, 200), { raw: { width: 300, height: 200, channels: 3 } })
      .blur(3)
      .jpeg({ quality: 95 })
      .toBuffer();
    const file = await write('photo.jpg', photo.subarray(0, photo.length >> 1));
    const err = await decodeError(decodeImage(file));
    expect(err.kind).toBe('truncated');
    expect(err.file).toBe(file);
    expect(err.message).toContain(`${file}: the file is truncated or corrupt`);

    const png = await fromRaw(redBlue(300, 200), 300, 200).png().toBuffer();
    const perr = await decodeError(decodeImage(png.subarray(0, png.length >> 1), {}, 'half.png'));
    expect(perr.kind).toBe('truncated');
    expect(perr.message).toMatch(/^half\.png: the file is truncated or corrupt/);
  });

  it('rejects a text file named .jpg', async () => {
    const file = await write('notes.jpg', 'these are my notes, not a picture\n');
    const err = await decodeError(decodeImage(file));
    expect(err.kind).toBe('not-an-image');
    expect(err.message).toMatch(/notes\.jpg: not an image.*JPEG, PNG, WebP, GIF, TIFF, AVIF/);
  });

  it('rejects a huge image from its header before decoding', async () => {
    // A real 1x1 PNG whose IHDR is patched to claim 12000x10000: decoding it would fail as corrupt,
    // so 'too-large' proves the check ran on the header alone.
    const png = Buffer.from(
      await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } })
        .png()
        .toBuffer(),
    );
    png.writeUInt32BE(12000, 16);
    png.writeUInt32BE(10000, 20);
    png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
    const file = await write('huge.png', png);
    expect(await sharp(file, { limitInputPixels: false }).metadata()).toMatchObject({ width: 12000, height: 10000 });
    const t0 = performance.now();
    const err = await decodeError(decodeImage(file));
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(err.kind).toBe('too-large');
    expect(err.message).toBe(`${file}: 12000x10000 pixels is over the limit of 100 megapixels`);
    expect(DEFAULT_PIXEL_LIMIT).toBe(100_000_000);
    // With a higher limit the header passes and the (fake) pixel data is what fails.
    expect((await decodeError(decodeImage(file, { pixelLimit: 200_000_000 }))).kind).toBe('truncated');
  });

  it('honours a custom pixel limit', async () => {
    const png = await fromRaw(redBlue(64, 48), 64, 48).png().toBuffer();
    const err = await decodeError(decodeImage(png, { pixelLimit: 3000 }, 'small.png'));
    expect(err.kind).toBe('too-large');
    expect(err.message).toBe('small.png: 64x48 pixels is over the limit of 3000 pixels');
    await expect(decodeImage(png, { pixelLimit: 64 * 48 })).resolves.toMatchObject({ width: 64 });
  });

  it('reports a missing file as unreadable', async () => {
    const file = path.join(dir, 'nope.png');
    const err = await decodeError(decodeImage(file));
    expect(err.kind).toBe('unreadable');
    expect(err.message).toBe(`${file}: cannot read the file: it does not exist (ENOENT)`);
  });

  it('names a Buffer input by its label', async () => {
    const err = await decodeError(decodeImage(Buffer.from('plain text'), {}, 'pasted image'));
    expect(err.file).toBe('pasted image');
    expect(err.message).toMatch(/^pasted image: not an image/);
    const ok = await decodeImage(await fromRaw(redBlue(8, 8), 8, 8).png().toBuffer(), {}, 'pasted image');
    expect(px(ok, 0, 0)).toEqual(RED);
  });

  it('reports an empty file and unsupported formats', async () => {
    expect((await decodeError(decodeImage(await write('empty.png', '')))).kind).toBe('not-an-image');
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>';
    const err = await decodeError(decodeImage(await write('x.svg', svg)));
    expect(err.kind).toBe('unsupported');
    expect(err.message).toContain('SVG images are not supported');
  });
});

describe('real photos', () => {
  const names = readdirSync(imagenetDevDir).filter((n) => /airship|pencil_sharpener|soccer_ball/.test(n));
  it('finds the greyscale ImageNet photos', () => expect(names).toHaveLength(3));
  for (const name of names) {
    it(`decodes ${name} to 224x224x3`, async () => {
      const file = path.join(imagenetDevDir, name);
      expect((await sharp(await readFile(file)).metadata()).channels).toBe(1);
      const img = await decodeImage(file, { width: 224, height: 224 });
      expect([img.width, img.height, img.channels, img.data.length]).toEqual([224, 224, 3, 224 * 224 * 3]);
      for (let i = 0; i < img.data.length; i += 3 * 97) {
        expect(img.data[i]).toBe(img.data[i + 1]);
        expect(img.data[i]).toBe(img.data[i + 2]);
      }
    });
  }
});
