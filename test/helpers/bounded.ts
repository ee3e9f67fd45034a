// Runs readers on hostile files in a child process with a small V8 heap, and reports how far its
// memory rose during each read: a test then shows a reader refused a file before taking the
// memory the file asked for.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './shared.ts';

export interface BoundedRun {
  /** The refusal (`Name: message`), or undefined when the file was read. */
  error?: string;
  /** How far the child's resident memory rose above what it held before the read (sampled every 5 ms). */
  growthMiB: number;
}

/** One child for all the reads: its start-up (tsx, h5wasm) takes seconds. */
export function boundedReads(cases: { op: string; file: string }[], timeoutMs = 60_000): Promise<BoundedRun[]> {
  const args = cases.flatMap((c) => [c.op, c.file]);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--max-old-space-size=1024', path.join(repoRoot, 'bin/run-ts.js'), path.join(repoRoot, 'test/helpers/read-untrusted.ts'), ...args],
      { cwd: repoRoot, timeout: timeoutMs, maxBuffer: 1024 * 1024 },
      (err, stdout, stderr) => {
        try {
          const runs = stdout
            .trim()
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as BoundedRun);
          if (runs.length !== cases.length) throw new Error(`${runs.length} results for ${cases.length} reads`);
          resolve(runs);
        } catch (e) {
          reject(new Error(`the reader process failed (${err?.message ?? (e as Error).message}): ${stderr.slice(-2000)}`));
        }
      },
    );
  });
}

export async function boundedRead(op: string, file: string): Promise<BoundedRun> {
  return (await boundedReads([{ op, file }]))[0]!;
}
