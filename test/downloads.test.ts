// Resumable, cancellable downloads against a real HTTP server on the loopback, serving the real
// MobileNet files of ../shared/models: interrupted and resumed, cancelled, corrupt, no Range
// support, a refused range, two downloads of one file at once, and the CLI stopped by SIGINT.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findModel, loadCatalog } from '../src-main/core/zoo/catalog.ts';
import { DownloadCancelledError, downloadFile, partFileOf, type DownloadProgress } from '../src-main/core/downloads/download.ts';
import { locateFile } from '../src-main/core/zoo/files.ts';
import { startFileServer, type FileServer } from './helpers/file-server.ts';
import { mirrorDir, repoRoot, tempDir as makeTempDir } from './helpers/shared.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const mobilenet = findModel('mobilenet')!;
// The 3 MB shard: big enough to stop half-way.
const shard = mobilenet.files.find((f) => f.path.endsWith('group29-shard1of1'))!;
const SIZE = shard.size!;

const made: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await makeTempDir(prefix);
  made.push(dir);
  return dir;
}

let server: FileServer;
beforeAll(async () => {
  server = await startFileServer(mirrorDir);
});
afterAll(async () => {
  await server.close();
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});
beforeEach(() => {
  server.requests.length = 0;
  server.ranges = true;
  server.cutNextAfter = undefined;
  server.corrupt.clear();
  server.throttle = undefined;
});

const urlOf = (p: string) => `${server.base}${p}`;

async function destIn(): Promise<string> {
  const dest = path.join(await tempDir('cs-dl-'), shard.path);
  await mkdir(path.dirname(dest), { recursive: true });
  return dest;
}

function expectMonotonic(progress: DownloadProgress[]): void {
  for (let i = 1; i < progress.length; i++) expect(progress[i]!.received).toBeGreaterThanOrEqual(progress[i - 1]!.received);
}

describe('resumable downloads', () => {
  it('resumes an interrupted download with a Range request and lands the verified file', async () => {
    const dest = await destIn();
    server.cutNextAfter = 1_000_000;
    const first: DownloadProgress[] = [];
    await expect(downloadFile(urlOf(shard.path), dest, shard, { onProgress: (p) => first.push(p) })).rejects.toThrow(/interrupted after \d+ of 3076000 bytes.*kept/);
    expect(existsSync(dest)).toBe(false);
    const kept = (await stat(partFileOf(dest))).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(1_000_000);
    expectMonotonic(first);

    const second: DownloadProgress[] = [];
    await downloadFile(urlOf(shard.path), dest, shard, { onProgress: (p) => second.push(p) });
    expect(sha256(await readFile(dest))).toBe(shard.sha256);
    expect(existsSync(partFileOf(dest))).toBe(false);
    expect(server.requests.map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      [`bytes=${kept}-`, 206],
    ]);
    // Progress starts where the .part ended, says so, rises and ends at the size.
    expect(second[0]).toMatchObject({ received: kept, resumedFrom: kept, total: SIZE });
    expectMonotonic(second);
    expect(second.at(-1)).toMatchObject({ received: SIZE, total: SIZE });
  });

  it('cancels mid-way: a clear error, a .part to resume from, nothing under the final name', async () => {
    const dest = await destIn();
    server.throttle = 64 * 1024;
    const abort = new AbortController();
    const seen: DownloadProgress[] = [];
    const err = await downloadFile(urlOf(shard.path), dest, shard, {
      signal: abort.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.received >= 500_000) abort.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadCancelledError);
    expect((err as Error).message).toMatch(/cancelled; the \d+ bytes so far are kept in .*group29-shard1of1\.part/);
    expect(existsSync(dest)).toBe(false);
    const kept = (await stat(partFileOf(dest))).size;
    expect(kept).toBeGreaterThanOrEqual(500_000);
    expect(kept).toBeLessThan(SIZE);
    expect((err as DownloadCancelledError).received).toBe(kept);

    server.throttle = undefined;
    await downloadFile(urlOf(shard.path), dest, shard);
    expect(sha256(await readFile(dest))).toBe(shard.sha256);
    expect(server.requests.at(-1)).toMatchObject({ range: `bytes=${kept}-`, status: 206 });
  });

  it('refuses corrupt content: a digest error, no final file and no .part', async () => {
    const dest = await destIn();
    server.corrupt.add(shard.path);
    await expect(downloadFile(urlOf(shard.path), dest, shard)).rejects.toThrow(/does not match the catalogue \(sha256 [0-9a-f]{64}, expected 29e5c43d.*\.part was deleted/);
    expect(await readdir(path.dirname(dest))).toEqual([]);
  });

  it('starts over cleanly when the server ignores Range', async () => {
    const dest = await destIn();
    server.cutNextAfter = 300_000;
    await expect(downloadFile(urlOf(shard.path), dest, shard)).rejects.toThrow(/interrupted/);
    expect((await stat(partFileOf(dest))).size).toBeGreaterThan(0);
    server.ranges = false;
    const progress: DownloadProgress[] = [];
    await downloadFile(urlOf(shard.path), dest, shard, { onProgress: (p) => progress.push(p) });
    expect(server.requests.at(-1)).toMatchObject({ status: 200, range: expect.stringMatching(/^bytes=\d+-$/) });
    expect(progress[0]).toMatchObject({ received: 0, resumedFrom: 0 });
    expectMonotonic(progress);
    expect(progress.at(-1)!.received).toBe(SIZE);
    expect(sha256(await readFile(dest))).toBe(shard.sha256);
    expect(await readdir(path.dirname(dest))).toEqual(['group29-shard1of1']);
  });

  it('deletes the .part and says so when the server refuses the range (416)', async () => {
    const dest = await destIn();
    // Longer than the file: only a server can tell when the catalogue gives no size.
    await writeFile(partFileOf(dest), Buffer.alloc(SIZE + 10));
    const sizeless = { path: shard.path, sha256: shard.sha256 };
    await expect(downloadFile(urlOf(shard.path), dest, sizeless)).rejects.toThrow(/refused the range from byte 3076010 \(HTTP 416\).*was deleted/);
    expect(await readdir(path.dirname(dest))).toEqual([]);
    // The next try starts from zero and succeeds.
    await downloadFile(urlOf(shard.path), dest, sizeless);
    expect(sha256(await readFile(dest))).toBe(shard.sha256);
  });

  it('checks a .part that is already whole without asking the server again', async () => {
    const dest = await destIn();
    await writeFile(partFileOf(dest), await readFile(path.join(mirrorDir, shard.path)));
    await downloadFile(urlOf(shard.path), dest, shard);
    expect(server.requests).toEqual([]);
    expect(sha256(await readFile(dest))).toBe(shard.sha256);
  });

  it('downloads a file once when two callers ask for it at the same time', async () => {
    const dest = await destIn();
    server.throttle = 256 * 1024;
    await Promise.all([downloadFile(urlOf(shard.path), dest, shard), downloadFile(urlOf(shard.path), dest, shard)]);
    expect(server.requests).toHaveLength(1);
    expect(sha256(await readFile(dest))).toBe(shard.sha256);
  });

  it('stops a server that sends more than it should: past the catalogue size, or past the bound for a file of unknown size', async () => {
    const endless =
      (chunk: number, headers: Record<string, string> = {}): typeof fetch =>
      async () =>
        new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(chunk)) }), { status: 200, headers });
    const dest = await destIn();
    const sizeless = { ...shard, size: undefined };
    await expect(downloadFile('http://endless.invalid/x', dest, sizeless, { fetch: endless(64 * 1024), unsizedLimit: 1024 * 1024 })).rejects.toThrow(
      /went on past 1048576 bytes \(the bound for a file of unknown size\); it was stopped and .*\.part deleted/,
    );
    await expect(downloadFile('http://endless.invalid/x', dest, shard, { fetch: endless(64 * 1024) })).rejects.toThrow(
      new RegExp(`went on past ${SIZE} bytes \\(the catalogue's size\\)`),
    );
    await expect(downloadFile('http://endless.invalid/x', dest, shard, { fetch: endless(1, { 'content-length': String(SIZE + 1) }) })).rejects.toThrow(
      /would be \d+ bytes, more than the catalogue gives; nothing was written/,
    );
    expect(await readdir(path.dirname(dest))).toEqual([]);
  });

  it('resumes through the catalogue lookup too (the labels file, cache first)', async () => {
    const cacheDir = await tempDir('cs-dl-');
    const labels = loadCatalog().labels.imagenet!;
    const entry = { ...labels, url: urlOf(labels.path) };
    server.cutNextAfter = 10_000;
    await expect(locateFile(entry, { cacheDir })).rejects.toThrow(/interrupted/);
    expect(await readdir(cacheDir)).toEqual(['imagenet_class_index.json.part']);
    const where = await locateFile(entry, { cacheDir });
    expect(sha256(await readFile(where))).toBe(labels.sha256);
    expect(server.requests.at(-1)!.range).toMatch(/^bytes=[1-9]\d*-$/);
  });
});

/** The CLI, with its fetch sent to the test server (test/helpers/redirect-fetch.mjs). */
function startCli(args: string[]): { done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>; kill(sig: NodeJS.Signals): void } {
  const env: NodeJS.ProcessEnv = { ...process.env, CLASSIFIER_TEST_REDIRECT: server.base };
  for (const k of ['CLASSIFIER_BACKEND', 'CLASSIFIER_MIRROR', 'CLASSIFIER_CACHE']) delete env[k];
  const child = spawn(process.execPath, ['--import', path.join(repoRoot, 'test/helpers/redirect-fetch.mjs'), path.join(repoRoot, 'bin/classifier-studio.js'), ...args], {
    cwd: repoRoot,
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { done, kill: (sig) => child.kill(sig) };
}

async function partsUnder(dir: string): Promise<{ file: string; size: number }[]> {
  const out: { file: string; size: number }[] = [];
  for (const name of await readdir(dir, { recursive: true }).catch(() => [] as string[])) {
    // A .part listed a moment ago may have been renamed into place since.
    const info = name.endsWith('.part') ? await stat(path.join(dir, name)).catch(() => undefined) : undefined;
    if (info) out.push({ file: name, size: info.size });
  }
  return out;
}

describe('classifier-studio models download', () => {
  it('stops on Ctrl-C keeping the .part, and the next run resumes it', { timeout: 60_000 }, async () => {
    const cacheDir = await tempDir('cs-dl-cli-');
    server.throttle = 32 * 1024;
    const run = startCli(['models', 'download', 'mobilenet', '--cache', cacheDir]);
    let part: { file: string; size: number } | undefined;
    for (let t = 0; t < 600 && !part; t++) {
      await new Promise((r) => setTimeout(r, 25));
      part = (await partsUnder(cacheDir)).find((p) => p.size >= 100_000);
    }
    expect(part, 'a download under way').toBeDefined();
    run.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.stderr).toMatch(/cancelled: Download of .* cancelled; the \d+ bytes so far are kept in .*\.part.*Run the same command again to resume/);
    expect(stopped.code).toBe(130);
    const kept = await partsUnder(cacheDir);
    expect(kept.map((p) => p.file)).toContain(part!.file);
    const final = path.join(cacheDir, part!.file.replace(/\.part$/, ''));
    expect(existsSync(final)).toBe(false);
    const keptSize = kept.find((p) => p.file === part!.file)!.size;

    server.throttle = undefined;
    const again = await startCli(['models', 'download', 'mobilenet', '--cache', cacheDir, '--json']).done;
    expect(again.stderr).not.toMatch(/error/);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ id: 'mobilenet', files: { source: 'download', root: cacheDir }, labels: { source: 'download' } });
    const resumed = server.requests.find((r) => r.path === part!.file.replace(/\.part$/, '') && r.range);
    expect(resumed).toMatchObject({ range: `bytes=${keptSize}-`, status: 206 });
    expect(await partsUnder(cacheDir)).toEqual([]);
    for (const f of mobilenet.files) expect(sha256(await readFile(path.join(cacheDir, f.path))), f.path).toBe(f.sha256);
  });

  it('two processes downloading one model into one cache: the second waits for the first, each file comes once', { timeout: 300_000 }, async () => {
    const cacheDir = await tempDir('cs-dl-cli-');
    server.throttle = 32 * 1024;
    const first = startCli(['models', 'download', 'mobilenet', '--cache', cacheDir]);
    let firstEnded = false;
    void first.done.then(() => (firstEnded = true));
    // A loaded machine can take a while to start a CLI: wait for its first bytes, or its end.
    for (let t = 0; t < 7200 && !firstEnded && !(await partsUnder(cacheDir)).length; t++) await new Promise((r) => setTimeout(r, 25));
    expect(firstEnded ? await first.done : await partsUnder(cacheDir), 'the first under way').not.toEqual([]);
    expect(firstEnded, 'the first still under way when the second starts').toBe(false);
    const second = startCli(['models', 'download', 'mobilenet', '--cache', cacheDir]);
    const [a, b] = await Promise.all([first.done, second.done]);
    expect([a.code, b.code, a.stderr + b.stderr]).toEqual([0, 0, expect.not.stringMatching(/error/)]);
    const perFile = new Map<string, number>();
    for (const r of server.requests) perFile.set(r.path, (perFile.get(r.path) ?? 0) + 1);
    expect(
      [...perFile.values()].every((n) => n === 1),
      JSON.stringify([...perFile]),
    ).toBe(true);
    for (const f of mobilenet.files) expect(sha256(await readFile(path.join(cacheDir, f.path))), f.path).toBe(f.sha256);
    const leftovers = (await readdir(cacheDir, { recursive: true })).filter((n) => /\.(part|lock)$/.test(n));
    expect(leftovers).toEqual([]);
  });
});
