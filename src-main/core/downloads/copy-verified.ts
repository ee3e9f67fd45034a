// Copies a file into the cache only if it is the catalogue's file: hashed while it is copied to
// a temporary name, renamed into place by the caller once every file of the set has passed.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CodedError } from '../../shared/errors.ts';
import { checkDigest, expectedDigest, hashFor, type DigestAlgorithm, type Digests } from './digest.ts';
import { byteCount, partFileOf } from './download.ts';

export interface CopiedFile {
  /** Where it came from. */
  from: string;
  /** Where it will be once committed. */
  dest: string;
  bytes: number;
  algorithm: DigestAlgorithm;
  digest: string;
}

export interface StagedCopy extends CopiedFile {
  tmp: string;
}

/**
 * Copies `src` beside `dest` under a temporary name and checks its size and digest against the
 * catalogue; `what` names the file in the error (the coded one, for the window, names it by its
 * bare name: the size refused here, the digest in digest.ts). Nothing is left behind when it is refused.
 */
export async function stageVerified(src: string, dest: string, file: Digests & { size?: number }, what: string): Promise<StagedCopy> {
  const want = expectedDigest(file);
  const size = (await stat(src)).size;
  if (file.size !== undefined && size !== file.size) {
    const digest = want ? `; ${want.algorithm} expected ${want.hex}` : '';
    throw new CodedError('file-size-mismatch', `${what} does not match the catalogue (${size} bytes, expected ${file.size}${digest}).`, {
      name: path.basename(src),
      size: byteCount(size),
      expected: byteCount(file.size),
    });
  }
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.import-${randomBytes(4).toString('hex')}`;
  const { algorithm, hash } = hashFor(file);
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(src), tap, createWriteStream(tmp));
    const digest = hash.digest('hex');
    checkDigest(src, algorithm, digest, file, what);
    return { from: src, dest, tmp, bytes, algorithm, digest };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Renames staged copies into place (a leftover download .part of each goes too); on failure none stays staged. */
export async function commitStaged(staged: readonly StagedCopy[]): Promise<CopiedFile[]> {
  try {
    for (const s of staged) {
      await rename(s.tmp, s.dest);
      await rm(partFileOf(s.dest), { force: true });
    }
  } finally {
    await discardStaged(staged);
  }
  return staged.map(({ tmp: _tmp, ...c }) => c);
}

export async function discardStaged(staged: readonly StagedCopy[]): Promise<void> {
  await Promise.all(staged.map((s) => rm(s.tmp, { force: true })));
}
