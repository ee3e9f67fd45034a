import path from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { CodedError, systemCodeOf, type ErrorParams, type ImageErrorKind } from '../../shared/errors.ts';
import { FileRefusedError, MAX_IMAGE_FILE_BYTES, readRegularFile } from '../bounded-read.ts';
import type { PhotoFit } from '../../shared/vocabulary.ts';

// One libvips thread per picture: pictures are decoded several at a time (libuv's pool) while
// inference keeps the cores busy, and more threads only fight over them. 200 photos through
// predict: 6.75 s with libvips's default (a thread per core per picture), 6.0 s with one.
sharp.concurrency(1);

export const DEFAULT_PIXEL_LIMIT = 100_000_000;

const SUPPORTED = 'JPEG, PNG, WebP, GIF, TIFF, AVIF';

export type ImageDecodeErrorCode = ImageErrorKind;

/**
 * A coded error (`image-<kind>`), so the window says it in the user's language; its values name
 * the file by its base name (the window may not see main's folders) and, by kind, the format
 * (unsupported), the size and the limit (too-large) or the system's reason (unreadable).
 */
export class ImageDecodeError extends CodedError {
  constructor(
    readonly file: string,
    readonly kind: ImageDecodeErrorCode,
    detail: string,
    shownName: string = file,
    values: ErrorParams = {},
  ) {
    super(`image-${kind}`, `${shownName}: ${detail}`, { file: path.basename(shownName), ...values });
    this.name = 'ImageDecodeError';
  }
}

export interface DecodeOptions {
  width?: number;
  height?: number;
  channels?: 1 | 3;
  /** The resampling filter: 'area' keeps the thin strokes of tiny images (MNIST); default 'bilinear'. */
  resize?: 'bilinear' | 'area';
  /** With width and height: 'crop' keeps the proportions and cuts out the centre; default 'squash'. */
  fit?: PhotoFit;
  pixelLimit?: number;
  /** Files above this are refused unread (default MAX_IMAGE_FILE_BYTES). */
  maxFileBytes?: number;
  invertLightBackground?: boolean;
}

export interface DecodedImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
  original: { width: number; height: number; format: string };
  /** How it was fitted to the size asked for ('squash' when no size was asked). */
  fit: PhotoFit;
}

// 'error' fails truncated/corrupt data (which 'none' would silently decode as grey) but, unlike
// 'warning', still accepts the harmless warnings common in camera and web JPEGs.
const FAIL_ON = 'error' as const;

// Magic numbers, so that a damaged header of a supported format reads as "corrupt", not "not an image".
function sniff(b: Buffer): string | undefined {
  const ascii = (start: number, end: number) => b.subarray(start, end).toString('latin1');
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(0, 4) === 'GIF8') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'tiff';
  if (ascii(4, 8) === 'ftyp') return /^avi[fs]$/.test(ascii(8, 12)) ? 'avif' : 'heif';
  if (ascii(0, 2) === 'BM') return 'bmp';
  if (ascii(0, 4) === '8BPS') return 'psd';
  return undefined;
}

const isSupported = (format: string, compression?: string) => ['jpeg', 'png', 'webp', 'gif', 'tiff'].includes(format) || (format === 'heif' && compression === 'av1');

const formatLimit = (limit: number) => (limit >= 1_000_000 ? `${+(limit / 1_000_000).toFixed(3)} megapixels` : `${limit} pixels`);
/** The same in units that read alike in every language (a coded error's value). */
const pixelsShort = (n: number) => (n >= 1_000_000 ? `${+(n / 1_000_000).toFixed(3)} MP` : `${n} px`);

function explainFsError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'cannot read the file: it does not exist (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `cannot read the file: permission denied (${err.code})`;
    case 'EISDIR':
      return 'cannot read the file: it is a folder (EISDIR)';
    default:
      return `cannot read the file (${err.code ?? err.message})`;
  }
}

function oneLine(msg: string): string {
  const lines = [
    ...new Set(
      msg
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
  return lines.slice(-2).join('; ');
}

export async function decodeImage(input: string | Buffer, opts: DecodeOptions = {}, label?: string): Promise<DecodedImage> {
  const file = typeof input === 'string' ? input : (label ?? 'image buffer');
  const fail = (kind: ImageDecodeErrorCode, detail: string, values: ErrorParams = {}) => new ImageDecodeError(file, kind, detail, label ?? file, values);
  const channels = opts.channels ?? 3;
  const limit = opts.pixelLimit ?? DEFAULT_PIXEL_LIMIT;
  // Bad options are a caller bug, not bad input, so they are not ImageDecodeErrors.
  for (const [k, v] of [
    ['width', opts.width],
    ['height', opts.height],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new RangeError(`decodeImage: ${k} must be a positive integer, got ${v}`);
  }
  if (channels !== 1 && channels !== 3) throw new RangeError(`decodeImage: channels must be 1 or 3, got ${channels}`);
  if (!(limit > 0)) throw new RangeError(`decodeImage: pixelLimit must be positive, got ${limit}`);

  let buf: Buffer;
  try {
    // Reading the bytes ourselves gives clear errno-based messages instead of sharp's "Input file is
    // missing", and refuses devices, pipes and huge files before anything is read.
    buf = typeof input === 'string' ? await readRegularFile(input, opts.maxFileBytes ?? MAX_IMAGE_FILE_BYTES, 'image file') : input;
  } catch (e) {
    if (e instanceof FileRefusedError) {
      throw e.reason === 'too-large' ? fail('too-large', e.detail, e.sizes) : fail('unreadable', e.detail, { reason: e.detail.split(',')[0]! });
    }
    const errno = e as NodeJS.ErrnoException;
    const code = systemCodeOf(errno);
    throw fail('unreadable', explainFsError(errno), { reason: errno.code ?? errno.message, ...(code ? { reasonCode: code } : {}) });
  }
  if (buf.length === 0) throw fail('not-an-image', 'the file is empty');
  const sniffed = sniff(buf);

  const header: { format?: string } = {}; // the format its header names, once read
  const mapError = (e: unknown, headerRead: boolean): ImageDecodeError => {
    const msg = e instanceof Error ? e.message : String(e);
    if (/exceeds pixel limit/i.test(msg))
      return fail('too-large', `the image is over the limit of ${formatLimit(limit)}`, { size: `> ${pixelsShort(limit)}`, limit: pixelsShort(limit) });
    if (/unsupported image format/i.test(msg) && !headerRead) {
      if (sniffed && sniffed !== 'heif' && sniffed !== 'bmp' && sniffed !== 'psd') {
        return fail('truncated', `the file is truncated or corrupt (looks like ${sniffed.toUpperCase()} but its header cannot be read)`);
      }
      if (sniffed) return fail('unsupported', `${sniffed.toUpperCase()} images are not supported (supported formats: ${SUPPORTED})`, { format: sniffed.toUpperCase() });
      return fail('not-an-image', `not an image, or not in a known format (supported formats: ${SUPPORTED})`);
    }
    if (/unsupported|not supported|no decoder/i.test(msg) && !/corrupt|truncat|end of/i.test(msg)) {
      return fail('unsupported', `this kind of image cannot be decoded (${oneLine(msg)})`, { format: (header.format ?? sniffed ?? '?').toUpperCase() });
    }
    return fail('truncated', `the file is truncated or corrupt (${oneLine(msg)})`);
  };

  // Header only: libvips reads dimensions without decoding pixels, so huge images are refused cheaply.
  let meta: Metadata;
  try {
    meta = await sharp(buf, { failOn: FAIL_ON, limitInputPixels: false }).metadata();
  } catch (e) {
    throw mapError(e, false);
  }
  const format = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : String(meta.format);
  header.format = format;
  if (!isSupported(String(meta.format), meta.compression)) {
    throw fail('unsupported', `${format.toUpperCase()} images are not supported (supported formats: ${SUPPORTED})`, { format: format.toUpperCase() });
  }
  const w0 = meta.width ?? 0;
  const h0 = meta.height ?? 0;
  if (w0 * h0 > limit) throw fail('too-large', `${w0}x${h0} pixels is over the limit of ${formatLimit(limit)}`, { size: `${w0}×${h0} px`, limit: pixelsShort(limit) });
  const shown = meta.autoOrient ?? { width: w0, height: h0 };

  const area = opts.resize === 'area';
  const crop = opts.fit === 'crop';
  const resizing = opts.width !== undefined || opts.height !== undefined;
  const tw = opts.width ?? Math.max(1, Math.round((shown.width * (opts.height ?? shown.height)) / shown.height));
  const th = opts.height ?? Math.max(1, Math.round((shown.height * tw) / shown.width));

  let data: Uint8Array;
  let info: OutputInfo;
  try {
    // pages: 1 keeps only the first GIF/WebP frame or TIFF page.
    let pipe = sharp(buf, { failOn: FAIL_ON, limitInputPixels: Math.max(1, Math.floor(Math.min(limit, Number.MAX_SAFE_INTEGER))), autoOrient: true, pages: 1 })
      .flatten({ background: '#ffffff' })
      .toColourspace(channels === 1 ? 'b-w' : 'srgb');
    if (resizing && !area && crop) {
      // 'cover' scales the shorter side to the target and cuts out the centre. sharp's own resize
      // (lanczos3, JPEG shrink-on-load) is the pipeline ../shared/README measured MobileNet with:
      // 91.5% top-1 on the dev photos, where the triangle filter below gives 89.0%.
      pipe = pipe.resize(tw, th, { fit: 'cover', position: 'centre' });
    } else if (resizing && !area) {
      // Squash, as Keras load_img(target_size) does. fastShrinkOnLoad off: JPEG DCT shrink may only do
      // part of the reduction, so the result stays close to a plain triangle-filter resize (what
      // PIL/Keras 'bilinear' does) instead of showing DCT-scaling moiré.
      pipe = pipe.resize(tw, th, { fit: 'fill', kernel: 'linear', fastShrinkOnLoad: false });
    }
    ({ data, info } = await pipe.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }));
  } catch (e) {
    throw mapError(e, true);
  }

  let px = fixChannels(new Uint8Array(data.buffer, data.byteOffset, data.length), info.channels, channels);
  let { width, height } = info;
  if (resizing && area && crop) ({ data: px, width, height } = centreWindow(px, width, height, channels, tw / th));
  if (resizing && area && (width !== tw || height !== th)) {
    px = areaResize(px, width, height, channels, tw, th);
    [width, height] = [tw, th];
  }
  if (channels === 1 && opts.invertLightBackground && borderMean(px, width, height) > 127) {
    for (let i = 0; i < px.length; i++) px[i] = 255 - px[i];
  }
  return { data: px, width, height, channels, original: { width: shown.width, height: shown.height, format }, fit: resizing && crop ? 'crop' : 'squash' };
}

export function toFloat32(img: DecodedImage): Float32Array {
  return Float32Array.from(img.data);
}

// sharp may keep a single band for grey input even when sRGB is asked for; callers always get `want` bands.
function fixChannels(src: Uint8Array, have: number, want: 1 | 3): Uint8Array {
  if (have === want) return src;
  const n = src.length / have;
  const out = new Uint8Array(n * want);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < want; c++) out[i * want + c] = src[i * have + (have === 1 || have === 2 ? 0 : c)];
  }
  return out;
}

/** The largest centred window of aspect ratio w/h = `aspect`, whole pixels (the crop of an area resize). */
function centreWindow(src: Uint8Array, w: number, h: number, ch: number, aspect: number): { data: Uint8Array; width: number; height: number } {
  const cw = Math.min(w, Math.max(1, Math.round(h * aspect)));
  const chh = Math.min(h, Math.max(1, Math.round(w / aspect)));
  if (cw === w && chh === h) return { data: src, width: w, height: h };
  const [x0, y0] = [Math.floor((w - cw) / 2), Math.floor((h - chh) / 2)];
  const out = new Uint8Array(cw * chh * ch);
  for (let y = 0; y < chh; y++) out.set(src.subarray(((y0 + y) * w + x0) * ch, ((y0 + y) * w + x0 + cw) * ch), y * cw * ch);
  return { data: out, width: cw, height: chh };
}

// Exact area averaging (like OpenCV INTER_AREA / tf.image.resize 'area'): each output pixel is the mean of
// the source rectangle it covers, with fractional weights at the edges. Done in JS because sharp's own
// box shrink (vips_shrink) is only exposed together with a follow-up interpolating kernel.
function areaWeights(n: number, m: number): { idx: number[]; w: number[] }[] {
  const scale = n / m;
  return Array.from({ length: m }, (_, o) => {
    const [a, b] = [o * scale, (o + 1) * scale];
    const idx: number[] = [];
    const w: number[] = [];
    for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
      const overlap = Math.min(b, i + 1) - Math.max(a, i);
      if (overlap > 1e-9) {
        idx.push(i);
        w.push(overlap / scale);
      }
    }
    return { idx, w };
  });
}

function areaResize(src: Uint8Array, w: number, h: number, ch: number, tw: number, th: number): Uint8Array {
  const xs = areaWeights(w, tw);
  const ys = areaWeights(h, th);
  const tmp = new Float32Array(h * tw * ch);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < tw; x++) {
      const { idx, w: wt } = xs[x];
      for (let c = 0; c < ch; c++) {
        let s = 0;
        for (let k = 0; k < idx.length; k++) s += src[(y * w + idx[k]) * ch + c] * wt[k];
        tmp[(y * tw + x) * ch + c] = s;
      }
    }
  }
  const out = new Uint8Array(th * tw * ch);
  for (let y = 0; y < th; y++) {
    const { idx, w: wt } = ys[y];
    for (let i = 0; i < tw * ch; i++) {
      let s = 0;
      for (let k = 0; k < idx.length; k++) s += tmp[idx[k] * tw * ch + i] * wt[k];
      out[y * tw * ch + i] = Math.min(255, Math.max(0, Math.round(s)));
    }
  }
  return out;
}

function borderMean(px: Uint8Array, w: number, h: number): number {
  let sum = 0;
  for (let x = 0; x < w; x++) sum += px[x] + (h > 1 ? px[(h - 1) * w + x] : 0);
  for (let y = 1; y < h - 1; y++) sum += px[y * w] + (w > 1 ? px[y * w + w - 1] : 0);
  const n = w * h - Math.max(0, w - 2) * Math.max(0, h - 2);
  return sum / n;
}
