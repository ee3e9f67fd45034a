// Reading files that a dataset, a folder or a model names, without trusting what they are: a
// symlink to /dev/zero or a FIFO never ends, and a huge file would be read into memory whole.
// The file is opened first and its kind and size are checked on the open handle, so nothing can
// be swapped in between the check and the read; only then is it read, and never past its size.
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

/** Photos above this are not photos: 100 megapixels of uncompressed RGB is 300 MB. */
export const MAX_IMAGE_FILE_BYTES = 512 * 1024 ** 2;

export type FileRefusal = 'not-a-file' | 'too-large';

export class FileRefusedError extends Error {
  constructor(
    readonly file: string,
    readonly reason: FileRefusal,
    /** The message without the file name, for callers that name the file their own way. */
    readonly detail: string,
    /** For 'too-large': the file's size and the limit, as text ("600 MiB"). */
    readonly sizes?: { size: string; limit: string },
  ) {
    super(`${file}: ${detail}`);
    this.name = 'FileRefusedError';
  }
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let k = 0;
  while (n >= 1024 && k < units.length - 1) {
    n /= 1024;
    k++;
  }
  return k === 0 ? `${n} bytes` : `${+n.toFixed(1)} ${units[k]}`;
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Throws FileRefusedError unless `s` is a regular file of at most `maxBytes`. */
export function checkFileStats(file: string, s: Stats, maxBytes: number, what = 'file'): void {
  if (!s.isFile()) throw new FileRefusedError(file, 'not-a-file', `${kindOf(s)}, not a regular file: only regular files are read`);
  if (s.size > maxBytes) {
    throw new FileRefusedError(file, 'too-large', `the ${what} is ${formatBytes(s.size)}, over the limit of ${formatBytes(maxBytes)}`, {
      size: formatBytes(s.size),
      limit: formatBytes(maxBytes),
    });
  }
}

/** The size of a regular file of at most `maxBytes` (stat follows symlinks); for readers that stream. */
export async function checkRegularFile(file: string, maxBytes: number, what = 'file'): Promise<number> {
  const s = await stat(file);
  checkFileStats(file, s, maxBytes, what);
  return s.size;
}

/**
 * Opens a regular file of at most `maxBytes`. O_NONBLOCK: opening a FIFO for reading would
 * otherwise wait for a writer forever, before its kind can be seen.
 */
export async function openRegularFile(file: string, maxBytes: number, what = 'file'): Promise<{ handle: FileHandle; size: number }> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const s = await handle.stat();
    checkFileStats(file, s, maxBytes, what);
    return { handle, size: s.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The bytes of a regular file of at most `maxBytes`; a file that grows meanwhile is read to its size at opening. */
export async function readRegularFile(file: string, maxBytes: number, what = 'file'): Promise<Buffer> {
  const { handle, size } = await openRegularFile(file, maxBytes, what);
  try {
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(buf, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? buf : buf.subarray(0, at);
  } finally {
    await handle.close();
  }
}
