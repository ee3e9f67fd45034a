// IDX files (the MNIST format, LeCun): a 4-byte magic (0, 0, type, number of dimensions), the
// dimensions as big-endian uint32, then the data. Only unsigned bytes (type 0x08) are read.
import path from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FileRefusedError, formatBytes, openRegularFile } from '../bounded-read.ts';
import { ChunkReader } from './chunk-reader.ts';
import { memoryImageSet, type ImageSet } from './types.ts';

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

/**
 * The most data one IDX file may declare. EMNIST ByClass, the largest IDX set in common use,
 * holds 697,932 images of 28x28 (547 MB); a header asking for more is refused before reading.
 */
export const MAX_IDX_DATA_BYTES = 1024 ** 3;

export class IdxError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
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

/** The magic, type and number of dimensions (the first 4 bytes); `total` is the file's length so far known. */
function idxDims(head: Uint8Array, total: number, file: string, expectMagic?: number): number {
  if (head.length < 4) throw new IdxError(file, `not an IDX file (only ${total} bytes)`);
  const magic = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, false);
  const what = expectMagic === IDX_IMAGES_MAGIC ? 'an IDX image file' : expectMagic === IDX_LABELS_MAGIC ? 'an IDX label file' : 'an IDX file';
  if (expectMagic !== undefined && magic !== expectMagic) {
    throw new IdxError(file, `not ${what}: magic number ${magic} (0x${magic.toString(16).padStart(8, '0')}), expected ${expectMagic}`);
  }
  if (head[0] !== 0 || head[1] !== 0) throw new IdxError(file, `not an IDX file: magic number 0x${magic.toString(16).padStart(8, '0')}`);
  if (head[2] !== 0x08) throw new IdxError(file, `IDX data of type 0x${head[2].toString(16)} is not supported (only unsigned bytes, 0x08)`);
  return head[3];
}

/** The dimensions and the data size they declare, refused above MAX_IDX_DATA_BYTES. */
function idxShape(dimBytes: Uint8Array, ndims: number, total: number, file: string): { dims: number[]; expected: number } {
  if (ndims === 0 || dimBytes.length < 4 * ndims) throw new IdxError(file, `the IDX header is truncated (${ndims} dimensions, ${total} bytes)`);
  const view = new DataView(dimBytes.buffer, dimBytes.byteOffset, 4 * ndims);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected > MAX_IDX_DATA_BYTES) {
    throw new IdxError(file, `the header declares ${dims.join('x')} = ${expected} bytes of data, over the limit of ${formatBytes(MAX_IDX_DATA_BYTES)}`);
  }
  return { dims, expected };
}

const truncatedData = (file: string, dims: number[], expected: number, have: number) =>
  new IdxError(file, `truncated: the header promises ${dims.join('x')} = ${expected} bytes of data, but the file holds ${have}`);
const extraData = (file: string, dims: number[], extra: number | string) => new IdxError(file, `${extra} unexpected bytes after the ${dims.join('x')} data`);

/** Parses IDX bytes; `expectMagic` (2051, 2049) pins the type and number of dimensions. */
export function parseIdx(buf: Uint8Array, file: string, expectMagic?: number): IdxArray {
  const ndims = idxDims(buf.subarray(0, 4), buf.length, file, expectMagic);
  const header = 4 + 4 * ndims;
  const { dims, expected } = idxShape(buf.subarray(4, header), ndims, buf.length, file);
  const have = buf.length - header;
  if (have < expected) throw truncatedData(file, dims, expected, have);
  if (have > expected) throw extraData(file, dims, have - expected);
  return { dims, data: buf.subarray(header) };
}

/**
 * Reads an IDX file, gzipped (whatever its name) or plain, as a stream: the header first, then
 * exactly the data it declares into one buffer of that size. A gzip bomb or a header that asks
 * for gigabytes is refused before the memory is taken.
 */
export async function readIdx(file: string, expectMagic?: number): Promise<IdxArray> {
  let opened;
  try {
    // Gzip can only shrink real IDX data, so the data bound also bounds the file.
    opened = await openRegularFile(file, MAX_IDX_DATA_BYTES + 64 * 1024, 'IDX file');
  } catch (e) {
    throw new IdxError(file, e instanceof FileRefusedError ? e.detail : `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const { handle, size } = opened;
  const first = Buffer.alloc(2);
  await handle.read(first, 0, 2, 0);
  const gz = isGzip(first);
  const raw = handle.createReadStream({ start: 0, autoClose: false });
  // pipeline, not pipe: a read or gzip error must reach the reads below.
  const stream = gz ? pipeline(raw, createGunzip(), () => {}) : raw;
  const reader = new ChunkReader(stream);
  try {
    const head = await reader.read(4);
    const ndims = idxDims(head, head.length, file, expectMagic);
    const dimBytes = await reader.read(4 * ndims);
    const { dims, expected } = idxShape(dimBytes, ndims, 4 + dimBytes.length, file);
    const header = 4 + 4 * ndims;
    if (!gz && size - header < expected) throw truncatedData(file, dims, expected, size - header);
    if (!gz && size - header > expected) throw extraData(file, dims, size - header - expected);
    // Deflate packs at most 1032 bytes into one: a smaller file cannot hold the declared data,
    // and is refused before the buffer for it is taken.
    if (gz && size * 1032 < header + expected) {
      throw new IdxError(file, `truncated: the header promises ${dims.join('x')} = ${expected} bytes of data, more than ${size} bytes of gzip can hold`);
    }
    const data = new Uint8Array(expected);
    const have = await reader.fill(data);
    if (have < expected) throw truncatedData(file, dims, expected, have);
    // Counted up to the data's own size (a gzip bomb could go on for gigabytes), and read to the
    // end otherwise, so that the gzip checksum is checked.
    const extra = await reader.skip(expected + 1);
    if (extra > expected) throw extraData(file, dims, `more than ${expected}`);
    if (extra > 0) throw extraData(file, dims, extra);
    return { dims, data };
  } catch (e) {
    if (e instanceof IdxError) throw e;
    const msg = (e as Error).message;
    if (!gz) throw new IdxError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? msg})`);
    throw new IdxError(file, /unexpected end/i.test(msg) ? 'the gzip data is truncated' : `the gzip data is corrupt (${msg})`);
  } finally {
    stream.destroy();
    raw.destroy();
    await handle.close();
  }
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
    description: {
      name: opts.name ?? path.basename(imagesFile),
      source: opts.source ?? path.dirname(imagesFile),
      format: 'idx',
      files: [path.basename(imagesFile), path.basename(labelsFile)],
    },
  });
}
