// Child-process side of boundedRead (bounded.ts): runs one reader on one file, then prints what
// happened and the process's peak memory as one JSON line. Usage: run-ts.js read-untrusted.ts <op> <file>.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readIdx } from '../../src-main/core/datasets/idx.ts';
import { extractTarGz } from '../../src-main/core/datasets/tar.ts';

const [op, file] = process.argv.slice(2) as [string, string];

const readers: Record<string, (file: string) => Promise<unknown>> = {
  idx: (f) => readIdx(f),
  tar: async (f) => extractTarGz(f, await mkdtemp(path.join(os.tmpdir(), 'cs-untar-'))),
};

let error: string | undefined;
try {
  const read = readers[op];
  if (!read) throw new Error(`unknown reader ${op}`);
  await read(file);
} catch (err) {
  error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
// maxRSS is in KiB.
console.log(JSON.stringify({ error, peakMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
process.exit(0);
