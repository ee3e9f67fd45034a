import { execFile } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './shared.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs bin/classifier-studio.js as a user would, with a clean environment for our variables. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const cleanEnv = { ...process.env };
  for (const k of ['CLASSIFIER_BACKEND', 'CLASSIFIER_MIRROR', 'CLASSIFIER_CACHE']) delete cleanEnv[k];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'bin/classifier-studio.js'), ...args],
      { cwd: repoRoot, env: { ...cleanEnv, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
