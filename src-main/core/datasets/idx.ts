// IDX files (the MNIST format, LeCun): a 4-byte magic (0, 0, type, number of dimensions), the
// dimensions as big-endian uint32, then the data. Only unsigned bytes (type 0x08) are read.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { memoryImageSet, type ImageSet } from './types.ts';

const gunzipAsync = promisify(gunzip);

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

export class IdxError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'IdxError';
  }
}

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Reads a file's bytes, gunzipping when it starts with the gzip magic (whatever its name). */
export async function readMaybeGzip(file: string): Promise<Buffer> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (e) {
    throw new IdxError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!isGzip(raw)) return raw;
  try {
    return await gunzipAsync(raw);
  } catch (e) {
    const msg = (e as Error).message;
    const why = /unexpected end/i.test(msg) ? 'the gzip data is truncated' : `the gzip data is corrupt (${msg})`;
    throw new IdxError(file, why);
  }
}

/** Parses IDX bytes; `expectMagic` (2051, 2049) pins the type and number of dimensions. */
export function parseIdx(buf: Uint8Array, file: string, expectMagic?: number): IdxArray {
  if (buf.length < 4) throw new IdxError(file, `not an IDX file (only ${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  const what = expectMagic === IDX_IMAGES_MAGIC ? 'an IDX image file' : expectMagic === IDX_LABELS_MAGIC ? 'an IDX label file' : 'an IDX file';
  if (expectMagic !== undefined && magic !== expectMagic) {
    throw new IdxError(file, `not ${what}: magic number ${magic} (0x${magic.toString(16).padStart(8, '0')}), expected ${expectMagic}`);
  }
  if (buf[0] !== 0 || buf[1] !== 0) throw new IdxError(file, `not an IDX file: magic number 0x${magic.toString(16).padStart(8, '0')}`);
  if (buf[2] !== 0x08) throw new IdxError(file, `IDX data of type 0x${buf[2].toString(16)} is not supported (only unsigned bytes, 0x08)`);
  const ndims = buf[3];
  const header = 4 + 4 * ndims;
  if (ndims === 0 || buf.length < header) throw new IdxError(file, `the IDX header is truncated (${ndims} dimensions, ${buf.length} bytes)`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const have = buf.length - header;
  if (have < expected) {
    throw new IdxError(file, `truncated: the header promises ${dims.join('x')} = ${expected} bytes of data, but the file holds ${have}`);
  }
  if (have > expected) throw new IdxError(file, `${have - expected} unexpected bytes after the ${dims.join('x')} data`);
  return { dims, data: buf.subarray(header) };
}

export async function readIdx(file: string, expectMagic?: number): Promise<IdxArray> {
  return parseIdx(await readMaybeGzip(file), file, expectMagic);
}

export async function readIdxImages(file: string): Promise<{ count: number; height: number; width: number; data: Uint8Array }> {
  const { dims, data } = await readIdx(file, IDX_IMAGES_MAGIC);
  const [count, height, width] = dims;
  return { count, height, width, data };
}

export async function readIdxLabels(file: string): Promise<Uint8Array> {
  return (await readIdx(file, IDX_LABELS_MAGIC)).data;
}

export interface IdxSetOptions {
  classNames: string[];
  name?: string;
  source?: string;
}

/** An in-memory set from an IDX image file and its label file (greyscale, h x w x 1). */
export async function loadIdxPair(imagesFile: string, labelsFile: string, opts: IdxSetOptions): Promise<ImageSet> {
  const [images, labelBytes] = await Promise.all([readIdxImages(imagesFile), readIdxLabels(labelsFile)]);
  if (labelBytes.length !== images.count) {
    throw new IdxError(imagesFile, `holds ${images.count} images but its label file ${labelsFile} holds ${labelBytes.length} labels`);
  }
  const labels = Int32Array.from(labelBytes);
  const k = opts.classNames.length;
  const bad = labels.findIndex((l) => l >= k);
  if (bad >= 0) throw new IdxError(labelsFile, `label ${labels[bad]} of example ${bad} is not below the number of classes (${k})`);
  return memoryImageSet({
    x: images.data,
    labels,
    imageShape: [images.height, images.width, 1],
    classNames: opts.classNames,
    description: { name: opts.name ?? path.basename(imagesFile), source: opts.source ?? path.dirname(imagesFile), format: 'idx', files: [path.basename(imagesFile), path.basename(labelsFile)] },
  });
}
