// The installers' configuration (electron-builder.yml), checked where the Electron binary cannot
// be downloaded: electron-builder's own schema validation, then a real `--dir` pack of the app
// with a stand-in Electron, whose archive is listed and whose packed recognition worker is run
// under Node on a real photo. What only a machine with internet can check is in README "Installers".
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { extractAll, getRawHeader, listPackage } from '@electron/asar';
// What electron-builder flips fuses with (it comes with electron-builder), to read them back.
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
// The very functions electron-builder runs on its configuration before packing (app-builder-lib
// and builder-util come with electron-builder, at its exact version).
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import type { Configuration } from 'app-builder-lib';
import { DebugLogger } from 'builder-util';
import { Arch, archFromString, build, Platform } from 'electron-builder';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecognizeReply } from '../src-main/contract.ts';
import { imagenetDevDir, mirrorDir, repoRoot, tempDir } from './helpers/shared.ts';

const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};
const loadConfig = () => getConfig(repoRoot, null, null);
const validate = (c: Configuration) => validateConfiguration(c, new DebugLogger(false));

function targetsOf(platform: unknown): string[] {
  const t = (platform as { target?: unknown } | undefined)?.target;
  return (Array.isArray(t) ? t : [t]).map((x) => (typeof x === 'string' ? x : (x as { target: string }).target));
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's schema validation, which refuses a misspelt option", async () => {
    const config = await loadConfig();
    await expect(validate(config)).resolves.toBeUndefined();
    // The validator bites: the same configuration with one key misspelt is refused, naming it.
    const broken = { ...config, linux: { ...config.linux, targte: ['deb'] } } as Configuration;
    await expect(validate(broken)).rejects.toThrow(/linux/);
  });

  it('builds AppImage and deb, NSIS and dmg, for org.classifierstudio.app with deb metadata', async () => {
    const config = await loadConfig();
    expect(config.appId).toBe('org.classifierstudio.app');
    expect(config.productName).toBe('Classifier Studio');
    expect(config.directories).toMatchObject({ buildResources: 'resources', output: 'dist' });
    expect(targetsOf(config.linux)).toEqual(['AppImage', 'deb']);
    expect(targetsOf(config.win)).toEqual(['nsis']);
    expect(targetsOf(config.mac)).toEqual(['dmg']);
    // fpm refuses a deb without a maintainer and a homepage.
    expect(config.linux?.maintainer).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/);
    expect((config.extraMetadata as { homepage?: string }).homepage).toMatch(/^https:\/\//);
    expect(config.npmRebuild).toBe(false);
  });

  it('sets the Electron fuses that keep the packed app from running as a general Node', async () => {
    const config = await loadConfig();
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    // The names are the schema's: a misspelt fuse would be refused, not silently left on.
    const misspelt = { ...config, electronFuses: { ...config.electronFuses, runAsNod: false } } as Configuration;
    await expect(validate(misspelt)).rejects.toThrow(/electronFuses/);
  });

  it('has a square icon of at least 512 px in resources/, with its SVG source', async () => {
    const meta = await sharp(path.join(repoRoot, 'resources/icon.png')).metadata();
    expect(meta.format).toBe('png');
    // macOS asks 512x512 at least; Windows' .ico and the Linux sizes are scaled from it.
    expect(meta.width).toBeGreaterThanOrEqual(512);
    expect(meta.height).toBe(meta.width);
    expect(existsSync(path.join(repoRoot, 'resources/icon.svg'))).toBe(true);
  });

  it('unpacks native modules (sharp and its libvips, tfjs-node, tfjs-node-gpu) and the tfjs wasm binaries', async () => {
    // tfjs-node is not installed here, so the pack below cannot show it: the patterns must name it.
    const unpack = (await loadConfig()).asarUnpack as string[];
    for (const p of ['**/node_modules/sharp/**/*', '**/node_modules/@img/**/*', '**/node_modules/@tensorflow/tfjs-node/**/*', '**/node_modules/@tensorflow/tfjs-node-gpu/**/*']) {
      expect(unpack).toContain(p);
    }
    expect(unpack.some((p) => p.includes('tfjs-backend-wasm') && p.endsWith('.wasm'))).toBe(true);
  });
});

/** Builds the bundles unless out/ is newer than every source (the UI and Electron tests build too). */
function ensureBundles(): void {
  const entries = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'].map((f) => path.join(repoRoot, f));
  const newestSource = Math.max(
    ...['src-main', 'src-renderer'].flatMap((dir) =>
      readdirSync(path.join(repoRoot, dir), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => statSync(path.join(e.parentPath, e.name)).mtimeMs),
    ),
    statSync(path.join(repoRoot, 'electron.vite.config.ts')).mtimeMs,
  );
  if (entries.every((f) => existsSync(f) && statSync(f).mtimeMs > newestSource)) return;
  const run = spawnSync('npx', ['electron-vite', 'build'], { cwd: repoRoot, encoding: 'utf8', shell: process.platform === 'win32' });
  if (run.status !== 0) throw new Error(`electron-vite build failed:\n${run.stderr || run.stdout}`);
}

/**
 * Electron's fuse wire as a real binary holds it (after @electron/fuses' sentinel: version 1,
 * 8 fuses), with Electron's defaults: RunAsNode, NODE_OPTIONS, --inspect and file:// privileges on.
 */
const DEFAULT_FUSE_WIRE = Buffer.concat([Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, 8]), Buffer.from('10110001')]);

/**
 * An Electron distribution with nothing in it but a launcher, which electron-builder copies and
 * renames; behind the script, where the shell never reads, the fuse wire for it to flip.
 */
async function fakeElectron(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\necho "stand-in for the Electron binary"\nexit 0\n'), DEFAULT_FUSE_WIRE]));
  await chmod(path.join(dir, 'electron'), 0o755);
  return dir;
}

describe('the app as electron-builder packs it (--dir, Linux, stand-in Electron)', () => {
  let resourcesDir: string;
  let asarFile: string;
  let executable: string;
  let files: string[];

  beforeAll(async () => {
    ensureBundles();
    const work = await tempDir('cs-installer-');
    await build({
      projectDir: repoRoot,
      targets: Platform.LINUX.createTarget('dir', archFromString(process.arch) ?? Arch.x64),
      // Merged over electron-builder.yml, as `-c.electronDist=...` would be: no download.
      config: { electronDist: await fakeElectron(path.join(work, 'electron')), directories: { output: path.join(work, 'dist') } },
      publish: 'never',
    });
    const unpacked = readdirSync(path.join(work, 'dist')).find((d) => d.endsWith('-unpacked'));
    expect(unpacked, 'electron-builder made no *-unpacked folder').toBeDefined();
    resourcesDir = path.join(work, 'dist', unpacked!, 'resources');
    executable = path.join(work, 'dist', unpacked!, 'classifier-studio');
    asarFile = path.join(resourcesDir, 'app.asar');
    files = listPackage(asarFile, { isPack: false }).map((f) => f.replaceAll('\\', '/'));
  }, 180_000);

  it('flipped the fuses in the packed binary', async () => {
    const wire = await getCurrentFuseWire(executable);
    const [off, on] = ['0', '1'].map((c) => c.charCodeAt(0)); // @electron/fuses' FuseState
    expect({
      runAsNode: wire[FuseV1Options.RunAsNode],
      nodeOptions: wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable],
      inspect: wire[FuseV1Options.EnableNodeCliInspectArguments],
      cookieEncryption: wire[FuseV1Options.EnableCookieEncryption],
      asarIntegrity: wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation],
      onlyAsar: wire[FuseV1Options.OnlyLoadAppFromAsar],
      fileProtocolPrivileges: wire[FuseV1Options.GrantFileProtocolExtraPrivileges],
    }).toEqual({ runAsNode: off, nodeOptions: off, inspect: off, cookieEncryption: on, asarIntegrity: on, onlyAsar: on, fileProtocolPrivileges: off });
  });

  it('holds the bundles, the catalogues and package.json, and none of the sources, tests or data', () => {
    for (const f of [
      '/package.json',
      '/out/main/index.js',
      '/out/main/recognition.worker.js',
      '/out/main/training.worker.js',
      '/out/main/h5.worker.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
      '/resources/models.json',
      '/resources/datasets.json',
    ]) {
      expect(files).toContain(f);
    }
    expect(files).toContain(`/${path.posix.normalize(pkg.main)}`);
    expect(files.some((f) => /^\/out\/renderer\/assets\/.+\.js$/.test(f))).toBe(true);
    const app = files.filter((f) => !f.startsWith('/node_modules/'));
    for (const dir of ['src-main', 'src-renderer', 'test', 'bench', 'docs', 'scripts', 'scratch', 'test-artifacts', 'bin', 'dist']) {
      expect(
        app.filter((f) => f === `/${dir}` || f.startsWith(`/${dir}/`)),
        dir,
      ).toEqual([]);
    }
    expect(app.filter((f) => /\.(ts|vue|map)$/.test(f))).toEqual([]);
    // The icon sources are build resources, not app files.
    expect(app.filter((f) => f.startsWith('/resources/'))).toEqual(['/resources/datasets.json', '/resources/models.json']);
    // Models and datasets stay in ../shared (or the user's cache): none of their files is packed.
    expect(files.filter((f) => /\.(h5|bin|gz)$|-ubyte|shard\d|\/(mobilenet|resnet50)[^/]*\/model\.json$/.test(f))).toEqual([]);
  });

  it('holds every production dependency the main bundles import, and no tools of the sources', async () => {
    const imports = new Set<string>();
    for (const f of files.filter((x) => /^\/out\/main\/.+\.js$/.test(x))) {
      const code = await readFile(path.join(repoRoot, f), 'utf8');
      for (const m of code.matchAll(/(?:from\s*|import\s*\(\s*|require(?:\.resolve)?\(\s*)["']([^"'.][^"']*)["']/g)) {
        const spec = m[1]!;
        if (spec.startsWith('node:') || builtinModules.includes(spec) || spec === 'electron') continue;
        imports.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    expect([...imports].sort()).toEqual(expect.arrayContaining(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'h5wasm', 'sharp', 'zod']));
    for (const name of imports) {
      expect(Object.keys(pkg.dependencies), `${name} is imported by the built main process`).toContain(name);
      expect(files, `${name} is not in the archive`).toContain(`/node_modules/${name}/package.json`);
    }
    for (const tool of ['tsx', 'esbuild', 'electron', 'electron-builder', 'vitest', 'typescript']) {
      expect(files, tool).not.toContain(`/node_modules/${tool}/package.json`);
    }
    // Optional native backends are packed only when installed; absent, packing still works.
    for (const name of Object.keys(pkg.optionalDependencies)) {
      expect(files.includes(`/node_modules/${name}/package.json`)).toBe(existsSync(path.join(repoRoot, 'node_modules', name, 'package.json')));
    }
  });

  it('keeps native code and the wasm binaries outside the archive, where they can be loaded', async () => {
    type Entry = { files?: Record<string, Entry>; unpacked?: boolean } | undefined;
    const header = getRawHeader(asarFile).header as Entry;
    const entry = (f: string) =>
      f
        .split('/')
        .filter(Boolean)
        .reduce((n: Entry, part) => n?.files?.[part], header);
    const native = files.filter((f) => /\.node$|\.so(\.\d+)*$|\.dylib$|\.dll$/.test(f));
    expect(native.some((f) => /\/sharp-[^/]+\.node$/.test(f))).toBe(true);
    expect(native.some((f) => /libvips-cpp/.test(f))).toBe(true);
    for (const f of native) {
      expect(entry(f)?.unpacked, `${f} is inside app.asar`).toBe(true);
      expect(existsSync(path.join(`${asarFile}.unpacked`, f)), f).toBe(true);
    }
    const wasm = files.filter((f) => f.startsWith('/node_modules/@tensorflow/tfjs-backend-wasm/dist/') && f.endsWith('.wasm'));
    expect(wasm).toHaveLength(3);
    for (const f of wasm) expect((await stat(path.join(`${asarFile}.unpacked`, f))).size).toBeGreaterThan(100_000);
  });

  it('runs: the packed recognition worker, alone with the packed files, classifies a photo', async () => {
    // Node cannot read app.asar, so the archive is extracted (unpacked files included) to a folder
    // with no checkout above it: models.json, the wasm binaries and sharp must come from the pack.
    const app = path.join(await tempDir('cs-packed-app-'), 'app');
    extractAll(asarFile, app);
    const cache = await tempDir('cs-packed-cache-');
    const worker = new Worker(path.join(app, 'out/main/recognition.worker.js'), {
      workerData: { data: { cacheDir: cache, mirrorDir, offline: true, backend: 'wasm' } },
    });
    try {
      const reply = await new Promise<{ ok: boolean; value?: RecognizeReply; error?: string }>((resolve, reject) => {
        worker.on('message', (m: { id?: number }) => m.id === 1 && resolve(m as never));
        worker.on('error', reject);
        worker.postMessage({ id: 1, type: 'recognize', req: { image: path.join(imagenetDevDir, 'n02504013_Indian_elephant.JPEG'), model: 'mobilenet', topK: 3 } });
      });
      expect(reply.error).toBeUndefined();
      expect(reply.value!.top).toHaveLength(3);
      expect(reply.value!.top[0]).toMatchObject({ index: 385, label: 'Indian_elephant' });
      expect(reply.value!.backend).toMatch(/^wasm/);
    } finally {
      await worker.terminate();
    }
  });
});

describe('npm run dist', () => {
  const electronPresent = spawnSync(process.execPath, ['-e', "require('electron')"], { cwd: repoRoot }).status === 0;
  it.skipIf(electronPresent)('stops before building, saying the Electron binary is missing, where it is', () => {
    const run = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/dist.js')], { cwd: repoRoot, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/The Electron binary is not installed/);
    expect(run.stderr).toMatch(/README "Installers"/);
    expect(run.stdout).not.toMatch(/electron-builder|vite/);
    // Not Electron's own advice, which offline only brings the same package back without its binary.
    expect(run.stderr).not.toMatch(/try installing again/);
  });

  it.skipIf(electronPresent)('npm start says the same, and only that', () => {
    const run = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/start.js')], { cwd: repoRoot, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/The Electron binary is not installed/);
    expect(run.stderr).toMatch(/npx classifier-studio predict photo\.jpg/);
    expect(run.stderr).not.toMatch(/try installing again/);
  });
});
