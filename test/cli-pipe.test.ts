// `classifier-studio predict … --json | head -1`: the reader closes the pipe after one line. The
// command must end quietly with exit code 0 (it exited 7 with tfjs' minified source on stderr).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it, vi } from 'vitest';
import { endQuietlyOnClosedPipe } from '../src-main/cli/closed-pipe.ts';
import { imagenetDevDir, mirrorDir, repoRoot, tempDir } from './helpers/shared.ts';

describe('a CLI whose stdout is closed', () => {
  it('ends at once with exit code 0 and nothing on stderr, after a real reader took one line', async () => {
    const tench = path.join(imagenetDevDir, 'n01440764_tench.JPEG');
    // Many images: the command is still writing when the reader goes away.
    const args = ['predict', ...Array<string>(40).fill(tench), '--json', '--mirror', mirrorDir, '--cache', await tempDir('cs-pipe-')];
    const env = { ...process.env };
    for (const k of ['CLASSIFIER_BACKEND', 'CLASSIFIER_MIRROR', 'CLASSIFIER_CACHE']) delete env[k];
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/classifier-studio.js'), ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve) => lines.once('line', resolve));
    lines.close();
    child.stdout.destroy(); // as `head -1` does after its line

    expect(JSON.parse(first)).toMatchObject({ top: [expect.objectContaining({ label: 'tench' }), expect.anything(), expect.anything(), expect.anything(), expect.anything()] });
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('endQuietlyOnClosedPipe', () => {
  const streams = () => {
    const listeners = new Map<string, (err: NodeJS.ErrnoException) => void>();
    const stdout = { on: (_: 'error', l: (err: NodeJS.ErrnoException) => void) => void listeners.set('stdout', l) };
    const written: string[] = [];
    const stderr = { on: (_: 'error', l: (err: NodeJS.ErrnoException) => void) => void listeners.set('stderr', l), write: (t: string) => void written.push(t) };
    const exit = vi.fn();
    endQuietlyOnClosedPipe(stdout, stderr, exit);
    const fail = (stream: string, code: string) => listeners.get(stream)!(Object.assign(new Error(`write ${code}`), { code }));
    return { fail, exit, written };
  };

  it('exits 0 on EPIPE, on stdout or stderr', () => {
    const a = streams();
    a.fail('stdout', 'EPIPE');
    expect(a.exit).toHaveBeenCalledWith(0);
    expect(a.written).toEqual([]);
    const b = streams();
    b.fail('stderr', 'EPIPE');
    expect(b.exit).toHaveBeenCalledWith(0);
  });

  it('fails with 1, saying why, when the output cannot be written for another reason', () => {
    const a = streams();
    a.fail('stdout', 'ENOSPC');
    expect(a.exit).toHaveBeenCalledWith(1);
    expect(a.written.join('')).toMatch(/cannot write the output: write ENOSPC/);
  });
});
