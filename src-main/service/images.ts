// Pictures for the window: previews and thumbnails as data URLs, so the renderer's strict CSP
// (no file: URLs) holds and formats Chromium cannot show (TIFF, AVIF) still appear.
import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { MAX_IMAGE_FILE_BYTES, readRegularFile } from '../core/bounded-read.ts';
import { folderEntry } from '../core/folder-entries.ts';
import { decodeImage, DEFAULT_PIXEL_LIMIT } from '../core/images/decode.ts';
import type { SkippedFile } from '../shared/errors.ts';

export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif'];

export interface Preview {
  url: string;
  width: number;
  height: number;
  name: string;
}

/** The image turned upright (EXIF), at most `max` px on a side, as a JPEG (PNG if it has alpha). */
export async function previewImage(input: string | Uint8Array, max = 1600, name?: string): Promise<Preview> {
  // Read here, not by sharp: only a regular file of a sane size (not a pipe, not /dev/zero).
  let source: Buffer;
  try {
    source = typeof input === 'string' ? await readRegularFile(input, MAX_IMAGE_FILE_BYTES, 'image file') : Buffer.from(input);
  } catch (err) {
    await decodeImage(input as string, { width: 1, height: 1 }, name); // the same refusal, said as the decoder says it (a coded error)
    throw err;
  }
  let meta: Metadata;
  let rendered: { data: Buffer; info: OutputInfo };
  try {
    const img = sharp(source, { limitInputPixels: DEFAULT_PIXEL_LIMIT, failOn: 'error', pages: 1 }).rotate();
    meta = await img.metadata();
    const resized = img.resize({ width: max, height: max, fit: 'inside', withoutEnlargement: true });
    rendered = await (meta.hasAlpha ? resized.png() : resized.jpeg({ quality: 88 })).toBuffer({ resolveWithObject: true });
  } catch (err) {
    // sharp's words ("Input file contains unsupported image format") name no file: the decoder's
    // checks say what is wrong with it (not an image, truncated, too large), as the CLI does.
    await decodeImage(source, { width: 1, height: 1 }, name ?? (typeof input === 'string' ? input : 'image'));
    throw err;
  }
  const { data, info } = rendered;
  const mime = meta.hasAlpha ? 'image/png' : 'image/jpeg';
  return {
    url: `data:${mime};base64,${data.toString('base64')}`,
    width: info.width,
    height: info.height,
    name: name ?? (typeof input === 'string' ? path.basename(input) : 'image'),
  };
}

export async function thumbnail(input: string | Uint8Array, size = 96): Promise<string> {
  return (await previewImage(input, size)).url;
}

/** A greyscale or RGB HWC uint8 image (a dataset example) as a PNG data URL, scaled up for crisp pixels. */
export async function pixelsToDataUrl(pixels: Uint8Array, width: number, height: number, channels: 1 | 3, scale = 2): Promise<string> {
  const png = await sharp(Buffer.from(pixels), { raw: { width, height, channels } })
    .resize({ width: width * scale, height: height * scale, kernel: 'nearest' })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

export interface FolderImages {
  files: string[];
  /** Image-named entries left out, with why (a link leaving the folder, a device, a pipe). */
  skipped: SkippedFile[];
}

/**
 * The images directly inside a folder, sorted by name (not recursive: a folder is what the user
 * picked). Symbolic links count only when they point inside the folder.
 */
export async function scanImageFolder(folder: string): Promise<FolderImages> {
  const entries = await readdir(folder, { withFileTypes: true });
  const realFolder = await realpath(folder);
  const wanted = new Set(IMAGE_EXTENSIONS);
  const out: FolderImages = { files: [], skipped: [] };
  for (const e of entries) {
    if (!wanted.has(path.extname(e.name).slice(1).toLowerCase())) continue;
    const entry = await folderEntry(folder, e, realFolder);
    if (entry.kind === 'file') out.files.push(entry.path);
    else if (entry.kind === 'skipped') {
      // Coded, so the window words why (its values name the file by its base name only).
      const coded = { code: `entry-${entry.why}` as const, params: { file: path.basename(entry.path) } };
      out.skipped.push({ file: entry.path, error: `${entry.path}: ${entry.reason}`, coded });
    }
  }
  const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
  out.files.sort(byName);
  out.skipped.sort((a, b) => byName(a.file, b.file));
  return out;
}

export async function listImages(folder: string): Promise<string[]> {
  return (await scanImageFolder(folder)).files;
}
