// Runs a reader on a hostile file in a child process with a small V8 heap, and reports its peak
// memory: a test then shows the reader refused the file before taking the memory it asked for.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './shared.ts';

export interface BoundedRun {
  /** The refusal (`Name: message`), or undefined when the file was read. */
  error?: string;
  /** The child's peak resident memory. */
  peakMiB: number;
}

export function boundedRead(op: string, file: string, timeoutMs = 20_000): Promise<BoundedRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--max-old-space-size=1024', path.join(repoRoot, 'bin/run-ts.js'), path.join(repoRoot, 'test/helpers/read-untrusted.ts'), op, file],
      { cwd: repoRoot, timeout: timeoutMs, maxBuffer: 1024 * 1024 },
      (err, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(line) as BoundedRun);
        } catch {
          reject(new Error(`the reader process failed (${err?.message ?? 'no result'}): ${stderr.slice(-2000)}`));
        }
      },
    );
  });
}
