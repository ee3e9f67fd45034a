// Photos in bulk (issue 16): `predict --json` over the 200 ImageNet dev photos as a user runs it
// (wall time from the command's start to its end, and top-1/top-5 against labels.csv), and
// transfer feature extraction on CIFAR-10 class folders (photos per second, empty cache).
// Each feature run also prints the process's CPU time per photo (user + sys, every thread): on a
// machine shared with other work that is steadier than the wall time. --predict-runs 0 skips part 1;
// --threads splits the CPU by thread (Linux: /proc/self/task).
//   node bin/run-ts.js bench/bulk.ts [--resize crop|squash] [--features 1000] [--runs 3] [--predict-runs N] [--batch 8] [--threads] [--shared DIR]
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src-main/core/backend.ts';
import { loadBackbone } from '../src-main/core/transfer/backbone.ts';
import { FeatureCache, featureKeyOf } from '../src-main/core/transfer/feature-cache.ts';
import { extractFeatures } from '../src-main/core/transfer/features.ts';
import { option } from './each-backend.ts';
import { threadCpu, threadCpuReport } from './thread-cpu.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const shared = option(args, '--shared') ?? path.resolve(here, '../../shared');
const resize = option(args, '--resize');
const runs = Number(option(args, '--runs') ?? 3);
const predictRuns = Number(option(args, '--predict-runs') ?? runs);
const featurePhotos = Number(option(args, '--features') ?? 1000);
const batchSize = option(args, '--batch') ? Number(option(args, '--batch')) : undefined;
const devDir = path.join(shared, 'images/imagenet-dev');
const mirrorDir = path.join(shared, 'models');
const work = await mkdtemp(path.join(os.tmpdir(), 'cs-bench-bulk-'));

// 1. predict, as a separate process: what `time classifier-studio predict ...` shows.
const truth = new Map(
  (await readFile(path.join(devDir, 'labels.csv'), 'utf8'))
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [file, index] = line.split(',');
      return [path.join(devDir, file!), Number(index)] as const;
    }),
);
const cli = path.resolve(here, '../bin/classifier-studio.js');
const predictArgs = [
  cli,
  'predict',
  ...truth.keys(),
  '--model',
  'mobilenet',
  '--mirror',
  mirrorDir,
  '--cache',
  path.join(work, 'cache'),
  '--offline',
  '--json',
  ...(resize ? ['--resize', resize] : []),
];
for (let run = 0; run < predictRuns; run++) {
  const t0 = performance.now();
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, predictArgs, { maxBuffer: 64 * 1024 * 1024 }, (err, out) => (err ? reject(err) : resolve(out))),
  );
  const seconds = (performance.now() - t0) / 1000;
  let top1 = 0;
  let top5 = 0;
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { file: string; top: { index: number }[] });
  for (const l of lines) {
    const want = truth.get(l.file);
    if (l.top[0]!.index === want) top1++;
    if (l.top.some((t) => t.index === want)) top5++;
  }
  console.log(
    `predict --json, ${lines.length} dev photos${resize ? ` --resize ${resize}` : ''}: ${seconds.toFixed(2)} s (${(lines.length / seconds).toFixed(1)} photos/s), top-1 ${((100 * top1) / lines.length).toFixed(1)}%, top-5 ${((100 * top5) / lines.length).toFixed(1)}%`,
  );
}

// 2. Transfer feature extraction: MobileNet over CIFAR-10 training photos, every one computed.
if (featurePhotos > 0) {
  const report = await initBackend();
  const root = path.join(shared, 'datasets/cifar10/train');
  const classes = (await readdir(root)).sort();
  const perClass = Math.ceil(featurePhotos / classes.length);
  const files: string[] = [];
  const labels: number[] = [];
  for (const [k, c] of classes.entries()) {
    for (const f of (await readdir(path.join(root, c))).sort().slice(0, perClass)) {
      files.push(path.join(root, c, f));
      labels.push(k);
    }
  }
  const backbone = await loadBackbone('mobilenet', { cacheDir: path.join(work, 'cache'), mirrorDir, offline: true });
  for (let run = 0; run < runs; run++) {
    const cache = new FeatureCache(path.join(work, `features-${run}`), featureKeyOf(backbone));
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const th0 = threadCpu();
    const f = await extractFeatures({ files, labels: Int32Array.from(labels) }, backbone, cache, { batchSize });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (args.includes('--threads')) console.log(`  CPU ms per photo by thread: ${threadCpuReport(th0, threadCpu(), f.computed)}`);
    const cpuMs = (cpu.user + cpu.system) / 1000 / f.computed;
    console.log(
      `transfer features, mobilenet on ${report.backend}${report.threads ? ` (${report.threads} threads)` : ''}: ${f.computed} CIFAR-10 photos in ${seconds.toFixed(2)} s = ${(f.computed / seconds).toFixed(1)} photos/s, CPU ${cpuMs.toFixed(1)} ms/photo, load ${os.loadavg()[0]!.toFixed(1)}`,
    );
  }
  backbone.classifier.dispose();
}
await rm(work, { recursive: true, force: true });
