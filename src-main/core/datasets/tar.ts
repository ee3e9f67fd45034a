// A small reader for tar archives, gzipped or plain (CIFAR-10 ships as a .tar.gz, Stanford Dogs
// as plain .tar files; no tar library is installed). It streams: one 1 MiB piece at a time: ustar, GNU long names, pax paths. Every size an archive states is checked before
// it is believed: a 3 MB archive may claim a 3 GiB long name, or unpack into terabytes.
import { createReadStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { formatBytes } from '../bounded-read.ts';
import { ChunkReader } from './chunk-reader.ts';

/** A long name or a pax record is a few hundred bytes; this is far beyond any real one. */
export const MAX_TAR_HEADER_RECORD_BYTES = 1024 ** 2;

export interface TarOptions {
  /** The archive is gzipped (default true: extractTarGz). */
  gzip?: boolean;
  /** Bytes of the archive file read so far, and its size. */
  onProgress?: (read: number, total: number) => void;
  /** Stops between pieces; what was extracted stays. */
  signal?: AbortSignal;
}

export interface TarLimits {
  /** The largest file extracted (default 4 GiB). */
  maxEntryBytes?: number;
  /** The most bytes the archive may unpack to, skipped entries included (default 16 GiB). */
  maxTotalBytes?: number;
}

export class TarError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'TarError';
  }
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
}

function tarNumber(b: Buffer): number {
  // GNU base-256 for sizes over 8 GiB: high bit set, big-endian after the first byte.
  if (b[0] & 0x80) return b.subarray(1).reduce((v, byte) => v * 256 + byte, b[0] & 0x7f);
  const s = cString(b).trim();
  return s ? parseInt(s, 8) : 0;
}

function paxPath(data: Buffer): string | undefined {
  // Records are "<len> key=value\n".
  for (const line of data.toString('utf8').split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

const RECORD_KINDS: Record<string, string> = { L: 'long-name', K: 'long-link-name', x: 'pax', g: 'global pax' };

/**
 * Extracts the regular files of a .tar.gz under destDir, refusing paths that would leave it,
 * header records over MAX_TAR_HEADER_RECORD_BYTES and sizes over `limits`. Returns the
 * extracted paths, relative to destDir.
 */
export function extractTarGz(archive: string, destDir: string, accept: (name: string) => boolean = () => true, limits: TarLimits = {}): Promise<string[]> {
  return extractTar(archive, destDir, accept, limits, { gzip: true });
}

/** extractTarGz for an archive that may be plain (`gzip: false`), with progress and cancelling. */
export async function extractTar(archive: string, destDir: string, accept: (name: string) => boolean, limits: TarLimits, opts: TarOptions): Promise<string[]> {
  const maxEntry = limits.maxEntryBytes ?? 4 * 1024 ** 3;
  const maxTotal = limits.maxTotalBytes ?? 16 * 1024 ** 3;
  const file = createReadStream(archive);
  const archiveBytes = opts.onProgress ? (await stat(archive)).size : 0;
  // pipeline, not pipe: a read error (a missing file) must reach the loop below.
  const stream: Readable = opts.gzip === false ? file : pipeline(file, createGunzip(), () => {});
  const reader = new ChunkReader(stream);
  const extracted: string[] = [];
  let longName: string | undefined;
  let total = 0;
  const fail = (detail: string) => new TarError(archive, detail);
  try {
    for (;;) {
      const header = await reader.read(512);
      if (header.length === 0) break;
      if (header.length < 512) throw fail('the tar archive is truncated (partial header)');
      if (header.every((b) => b === 0)) break;
      const stored = tarNumber(header.subarray(148, 156));
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
      if (sum !== stored) throw fail('not a tar archive, or a corrupt one (header checksum mismatch)');
      const size = tarNumber(header.subarray(124, 136));
      const type = String.fromCharCode(header[156] || 48);
      const ustar = header.subarray(257, 262).toString('latin1') === 'ustar';
      const prefix = ustar ? cString(header.subarray(345, 500)) : '';
      const name = longName ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
      longName = undefined;
      if (!Number.isSafeInteger(size) || size < 0) throw fail(`the tar header of ${name} has no valid size`);
      const padded = Math.ceil(size / 512) * 512;
      const record = RECORD_KINDS[type];
      if (record && size > MAX_TAR_HEADER_RECORD_BYTES) {
        throw fail(`a ${record} record of ${formatBytes(size)} is over the limit of ${formatBytes(MAX_TAR_HEADER_RECORD_BYTES)}: the archive is damaged or not what it seems`);
      }
      total += 512 + padded;
      if (total > maxTotal) throw fail(`the archive unpacks to more than ${formatBytes(maxTotal)}, the limit for it`);
      if (type === 'L' || type === 'x') {
        const data = await reader.read(padded);
        if (data.length < padded) throw fail('the tar archive is truncated');
        longName = type === 'L' ? cString(data.subarray(0, size)) : paxPath(data.subarray(0, size));
        continue;
      }
      const rel = path.normalize(name);
      const wanted = (type === '0' || type === '7') && accept(name);
      if (wanted && (path.isAbsolute(rel) || rel.split(path.sep).includes('..'))) throw fail(`the tar archive holds a path outside its folder: ${name}`);
      if (wanted && size > maxEntry) throw fail(`${name} is ${formatBytes(size)}, over the limit of ${formatBytes(maxEntry)} for one file`);
      const out = wanted
        ? await (async () => {
            await mkdir(path.dirname(path.join(destDir, rel)), { recursive: true });
            return open(path.join(destDir, rel), 'w');
          })()
        : undefined;
      try {
        for (let left = padded; left > 0;) {
          if (opts.signal?.aborted) throw fail('extraction was stopped');
          const piece = await reader.read(Math.min(left, 1 << 20));
          if (piece.length === 0) throw fail(`the tar archive is truncated (in ${name})`);
          const keep = Math.max(0, Math.min(piece.length, size - (padded - left)));
          if (out && keep > 0) await out.write(piece.subarray(0, keep));
          left -= piece.length;
        }
      } finally {
        await out?.close();
      }
      if (wanted) extracted.push(rel);
      opts.onProgress?.(file.bytesRead, archiveBytes);
    }
  } catch (e) {
    if (e instanceof TarError) throw e;
    const msg = (e as Error).message;
    throw fail(/unexpected end/i.test(msg) ? 'the archive is truncated' : `cannot extract (${msg})`);
  } finally {
    stream.destroy();
  }
  return extracted;
}
