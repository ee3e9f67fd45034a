// The digests the catalogues publish (sha256, or md5 where only that is published) and the
// checks made against them wherever a file enters the cache: download, mirror, import.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { CodedError } from '../../shared/errors.ts';

export type DigestAlgorithm = 'sha256' | 'md5';

/** How both catalogues (models.json, datasets.json) describe a file's checks: fields for a zod object. */
export const fileChecks = {
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  md5: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
  size: z.number().int().positive().optional(),
};

/** Every file a catalogue names must be checkable: sha256, or md5 where that is all its publisher gives. */
export const hasDigest = (f: Digests) => Boolean(f.sha256 || f.md5);
export const digestMessage = (what: string) => ({ message: `a ${what} file needs a sha256 (or the md5 its publisher gives)` });

export interface Digests {
  sha256?: string;
  md5?: string;
}

/** The strongest digest a catalogue file has; undefined when it has none. */
export function expectedDigest(file: Digests): { algorithm: DigestAlgorithm; hex: string } | undefined {
  if (file.sha256) return { algorithm: 'sha256', hex: file.sha256 };
  if (file.md5) return { algorithm: 'md5', hex: file.md5 };
  return undefined;
}

export async function digestOf(file: string, algorithm: DigestAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Coded (`file-digest-mismatch`, the file by its bare name) for the window; the CLI prints `what` and both digests. */
export class DigestMismatchError extends CodedError {
  constructor(
    readonly file: string,
    readonly algorithm: DigestAlgorithm,
    readonly got: string,
    readonly expected: string,
    what: string,
  ) {
    super('file-digest-mismatch', `${what} does not match the catalogue (${algorithm} ${got}, expected ${expected}).`, { name: path.basename(file), algorithm });
    this.name = 'DigestMismatchError';
  }
}

/** Throws DigestMismatchError (naming `what`) unless `local` has the catalogue's digest. */
export async function verifyFile(local: string, file: Digests, what: string): Promise<void> {
  const want = expectedDigest(file);
  if (!want) return;
  checkDigest(local, want.algorithm, await digestOf(local, want.algorithm), file, what);
}

export function checkDigest(local: string, algorithm: DigestAlgorithm, got: string, file: Digests, what: string): void {
  const want = expectedDigest(file);
  if (want && want.algorithm === algorithm && got !== want.hex) throw new DigestMismatchError(local, algorithm, got, want.hex, what);
}

/** A hash for the file's expected digest, to feed while copying it (one read, not two). */
export function hashFor(file: Digests): { algorithm: DigestAlgorithm; hash: Hash } {
  const algorithm = expectedDigest(file)?.algorithm ?? 'sha256';
  return { algorithm, hash: createHash(algorithm) };
}
