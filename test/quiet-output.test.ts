// What users and test logs do not see: a deprecation warning from a dependency when the CLI
// recognizes a photo, or the HDF5 library's error stacks and emscripten's "Invalid UTF-8"
// warnings when a damaged .h5 is read (h5.worker.ts keeps them and puts the gist in the error).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarizeH5Output, withH5Output } from '../src-main/core/models/h5-diagnostics.ts';
import { imagenetDevDir, mirrorDir, repoRoot, tempDir } from './helpers/shared.ts';

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // --trace-deprecation: any deprecation warning comes with the stack that says whose it is.
    const child = spawn(process.execPath, ['--trace-deprecation', ...args], { cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The lines of HDF5's error stacks and emscripten's warnings, wherever they turn up. */
const H5_NOISE = /HDF5-DIAG|^\s*#\d{3}: |^\s*(major|minor): |Invalid UTF-8|warning: /m;

describe('the CLI on a real photo', () => {
  it('prints the answer and no deprecation warning', async () => {
    const cache = await tempDir('cs-quiet-');
    const r = await run([path.join(repoRoot, 'bin/classifier-studio.js'), 'predict', path.join(imagenetDevDir, 'n01440764_tench.JPEG'), '--mirror', mirrorDir, '--cache', cache]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1\. tench/);
    expect(r.stderr).not.toMatch(/Deprecat|DEP0\d{3}|Buffer\(\)/i);
    expect(r.stdout + r.stderr).not.toMatch(H5_NOISE);
  });
});

describe('a damaged .h5 read in the HDF5 worker', () => {
  it('leaves stdout and stderr free of HDF5-DIAG stacks and UTF-8 warnings; the error carries their gist', async () => {
    const dir = await tempDir('cs-quiet-h5-');
    const r = await run([path.join(repoRoot, 'bin/run-ts.js'), path.join(repoRoot, 'test/helpers/read-damaged-h5.ts'), dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(H5_NOISE);
    expect(r.stderr).not.toMatch(/Deprecat|DEP0\d{3}/i);
    // stdout holds the script's JSON lines and nothing else.
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; error: string | null });
    const errors = Object.fromEntries(lines.map((l) => [l.name, l.error]));
    expect(errors.good).toBeNull();
    expect(errors.truncated).toMatch(/truncated\.h5 .*\(HDF5: truncated file: eof = \d+.*stored_eof = \d+\)/);
    expect(errors['not-utf8']).toMatch(/not-utf8\.h5.*not valid UTF-8/);
  });
});

describe('summarizeH5Output', () => {
  const stack = (frames: string[]) =>
    [
      'HDF5-DIAG: Error detected in HDF5 (2.0.0):',
      ...frames.flatMap((f, i) => [`  #${String(i).padStart(3, '0')}: /src/H5x.c line ${i + 1} in H5X_f${i}(): ${f}`, '    major: File accessibility', '    minor: Read failed']),
    ].join('\n');

  it('takes the innermost frame of the first stack (later ones are the clean-up failing after it)', () => {
    const printed = `${stack(['unable to open file', 'unable to read superblock', 'truncated file: eof = 10'])}\n${stack(['not a file ID'])}\n`;
    expect(summarizeH5Output(printed)).toBe('HDF5: truncated file: eof = 10');
  });

  it('says when a name was not UTF-8, and nothing when nothing useful was printed', () => {
    expect(summarizeH5Output('warning: Invalid UTF-8 leading byte 0xff encountered when deserializing a UTF-8 string in wasm memory to a JS string!\n')).toBe(
      'a name or text in the file is not valid UTF-8',
    );
    expect(summarizeH5Output('')).toBeUndefined();
    expect(summarizeH5Output('something else\n')).toBeUndefined();
  });

  it('adds the gist to an error message once', () => {
    const printed = stack(["name doesn't exist"]);
    expect(withH5Output('x.h5: weight a/b is listed but missing', printed)).toBe("x.h5: weight a/b is listed but missing (HDF5: name doesn't exist)");
    expect(withH5Output("x.h5 (HDF5: name doesn't exist)", printed)).toBe("x.h5 (HDF5: name doesn't exist)");
    expect(withH5Output('x.h5: bad', '')).toBe('x.h5: bad');
  });
});
